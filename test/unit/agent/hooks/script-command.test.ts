import t from 'tap';
import { scriptCommand } from '../../../../agent/hooks/hook-runner.js';
import { shellQuote } from '../../../../agent/hooks/script-command.js';

const abs = '/opt/codedeploy-agent/deployment-root/g/d-1/deployment-archive/scripts/start.sh';

t.test('the official command table (aws-codedeploy-agent lib/instance_agent/platform/linux_util.rb)', async (t) => {
  t.same(scriptCommand(abs, undefined, false), { file: abs, args: [] });
  t.same(scriptCommand(abs, 'pi', false), { file: 'su', args: ['pi', '-c', abs] });
  t.same(scriptCommand(abs, 'pi', true), { file: 'sudo', args: ['su', 'pi', '-c', abs] });
  t.same(scriptCommand(abs, undefined, true), { file: 'sudo', args: [abs] });
  t.same(scriptCommand(abs, '', false), { file: abs, args: [] }, 'empty runas is no runas');
});

t.test('su -c gets a quoted path only when the path needs it', async (t) => {
  t.same(scriptCommand('/a b/it\'s.sh', 'pi', false), { file: 'su', args: ['pi', '-c', `'/a b/it'\\''s.sh'`] });
  t.same(scriptCommand('/a b/x.sh', undefined, true), { file: 'sudo', args: ['/a b/x.sh'] }, 'no shell, no quoting');
  t.equal(shellQuote('/x/y-1.2_z+@%=,:.sh'), '/x/y-1.2_z+@%=,:.sh');
  t.equal(shellQuote('$(reboot)'), `'$(reboot)'`);
});
