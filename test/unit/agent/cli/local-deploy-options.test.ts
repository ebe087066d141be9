import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLocalSpec, localDeploymentId, orderedEvents, parseEventList, validateEventOrder, validateLocalOptions, type LocalDeployOptions } from '../../../../agent/cli/local-deploy-options.js';

const DEFAULT_11 = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

t.test('event lists: default 11, DownloadBundle/Install prepended, swapped into order', async (t) => {
  t.same(orderedEvents(undefined), DEFAULT_11);
  t.same(orderedEvents(['ApplicationStart', 'CustomEvent']), ['DownloadBundle', 'Install', 'ApplicationStart', 'CustomEvent']);
  t.same(orderedEvents(['ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']), ['ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']);
  t.same(orderedEvents(['Install', 'ApplicationStart']), ['DownloadBundle', 'Install', 'ApplicationStart']);
  t.same(parseEventList(' ApplicationStart , CustomEvent,,'), ['ApplicationStart', 'CustomEvent']);
});

t.test('event order rules, official messages', async (t) => {
  t.throws(() => validateEventOrder(['ApplicationStart', 'DownloadBundle'], 'ApplicationStart,DownloadBundle'), {
    code: 'CLI_USAGE',
    message: 'The only events that can be specified before DownloadBundle are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop. Please fix the order of your specified events: ApplicationStart,DownloadBundle',
  });
  t.throws(() => validateEventOrder(['Install', 'DownloadBundle'], 'Install,DownloadBundle'), { message: /before DownloadBundle/ });
  t.throws(() => validateEventOrder(['DownloadBundle', 'AfterInstall', 'Install'], 'x'), {
    message: 'The only events that can be specified before Install are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop,DownloadBundle,BeforeInstall. Please fix the order of your specified events: x',
  });
  t.doesNotThrow(() => validateEventOrder(['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'CustomEvent'], 'x'));
  t.throws(() => validateEventOrder(['custom-event'], 'x'), { message: /not a valid lifecycle event name/ });
});

t.test('location and type validation', async (t) => {
  const dir = t.testdir();
  const rev = join(dir, 'rev');
  mkdirSync(rev);
  writeFileSync(join(rev, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  writeFileSync(join(dir, 'b.tgz'), '');
  mkdirSync(join(dir, 'empty'));
  const o = (over: Partial<LocalDeployOptions>): LocalDeployOptions => ({ bundleLocation: rev, type: 'directory', fileExistsBehavior: 'DISALLOW', deploymentGroup: 'g', deploymentGroupName: 'n', ...over });
  t.doesNotThrow(() => validateLocalOptions(o({})));
  t.doesNotThrow(() => validateLocalOptions(o({ bundleLocation: join(dir, 'b.tgz'), type: 'tgz', fileExistsBehavior: 'overwrite' })));
  const cases: [Partial<LocalDeployOptions>, string | RegExp][] = [
    [{ type: 'rar' }, 'type rar is not a valid type. Must be one of tgz,tar,zip,directory'],
    [{ bundleLocation: 'http://example.com/b.tgz', type: 'tgz' }, 'location http://example.com/b.tgz cannot be http, only encrypted (https) url endpoints supported'],
    [{ bundleLocation: 's3://bucket/key.tgz', type: 'tgz' }, /is remote/],
    [{ bundleLocation: join(dir, 'nope') }, `location ${join(dir, 'nope')} is specified as a file or directory which does not exist`],
    [{ bundleLocation: join(dir, 'b.tgz') }, `location ${join(dir, 'b.tgz')} is specified with type directory but it is a file`],
    [{ type: 'zip' }, `location ${rev} is specified as a compressed local file but it is a directory`],
    [{ bundleLocation: join(dir, 'empty') }, /^Expecting appspec file at location .*empty\/appspec.yml but it is not found there/],
    [{ fileExistsBehavior: 'MERGE' }, 'file-exists-behavior MERGE is not valid. Must be one of DISALLOW,OVERWRITE,RETAIN'],
  ];
  for (const [over, message] of cases) t.throws(() => validateLocalOptions(o(over)), { code: 'CLI_USAGE', message });
});

t.test('generated spec', async (t) => {
  t.match(localDeploymentId(), /^d-[A-Z0-9]{9}-local$/);
  const spec = buildLocalSpec({ bundleLocation: '/tmp/b.tgz', type: 'tgz', fileExistsBehavior: 'overwrite', deploymentGroup: 'g1', deploymentGroupName: 'LocalFleet' }, ['DownloadBundle', 'Install', 'CustomEvent'], 'd-TEST00000-local');
  t.equal(spec.deploymentId, 'd-TEST00000-local');
  t.equal(spec.applicationName, '/tmp/b.tgz');
  t.equal(spec.fileExistsBehavior, 'OVERWRITE');
  t.same(spec.revision, { type: 'Local File', location: '/tmp/b.tgz', bundleType: 'tgz' });
  t.same(spec.allPossibleLifecycleEvents, [...DEFAULT_11, 'CustomEvent']);
});
