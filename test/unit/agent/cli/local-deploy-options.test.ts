import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildLocalSpec,
  isEventName,
  localDeploymentId,
  orderedEvents,
  parseEventList,
  validateEventOrder,
  validateLocalOptions,
  validateRunOrder,
  type LocalDeployOptions,
} from '../../../../agent/cli/local-deploy-options.js';

const DEFAULT_11 = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

t.test('event lists: default 11; the given order kept, DownloadBundle/Install added where the lifecycle has them', async (t) => {
  t.same(orderedEvents(undefined), DEFAULT_11);
  t.same(orderedEvents([]), DEFAULT_11);
  // a list starting with a post-install event: both prepended, as codedeploy-local does
  t.same(orderedEvents(['ApplicationStart', 'CustomEvent']), ['DownloadBundle', 'Install', 'ApplicationStart', 'CustomEvent']);
  t.same(orderedEvents(['ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']), ['ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']);
  t.same(orderedEvents(['Install', 'ApplicationStart']), ['DownloadBundle', 'Install', 'ApplicationStart']);
  t.same(orderedEvents(['DownloadBundle']), ['DownloadBundle', 'Install']);
  t.same(orderedEvents(['Install']), ['DownloadBundle', 'Install']);
  // BeforeInstall runs between DownloadBundle and Install
  t.same(orderedEvents(['BeforeInstall']), ['DownloadBundle', 'BeforeInstall', 'Install']);
  t.same(orderedEvents(['BeforeInstall', 'AfterInstall']), ['DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall']);
  t.same(orderedEvents(['DownloadBundle', 'BeforeInstall', 'ValidateService']), ['DownloadBundle', 'BeforeInstall', 'Install', 'ValidateService']);
  t.same(orderedEvents(['BeforeInstall', 'Install']), ['DownloadBundle', 'BeforeInstall', 'Install']);
  // leading previous-revision events stay before DownloadBundle (they run from the last successful revision)
  t.same(orderedEvents(['ApplicationStop', 'BeforeInstall']), ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install']);
  t.same(orderedEvents(['ApplicationStop']), ['ApplicationStop', 'DownloadBundle', 'Install']);
  t.same(orderedEvents(['BeforeBlockTraffic', 'ApplicationStop', 'ApplicationStart']), ['BeforeBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'Install', 'ApplicationStart']);
  t.same(orderedEvents(['ApplicationStop', 'DownloadBundle', 'AfterInstall']), ['ApplicationStop', 'DownloadBundle', 'Install', 'AfterInstall']);
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
  t.throws(() => validateEventOrder(['Custom\nEvent'], 'x'), { message: 'event "Custom\\nEvent" is not a valid lifecycle event name: names are PascalCase, e.g. ApplicationStart or CustomEvent' });
  t.ok(isEventName('CustomEvent'));
  t.notOk(isEventName('customEvent'));
});

t.test('the list that will run must be one the engine can run', async (t) => {
  const run = (events: string[]): void => validateRunOrder(orderedEvents(events), events.join(','));
  for (const ok of [['BeforeInstall'], ['ApplicationStop', 'BeforeInstall'], ['ApplicationStart', 'CustomEvent'], ['ApplicationStop'], ['DownloadBundle', 'ApplicationStop', 'AfterInstall']]) {
    t.doesNotThrow(() => run(ok), ok.join(','));
  }
  t.doesNotThrow(() => validateRunOrder(DEFAULT_11, 'default'));
  t.throws(() => run(['Install', 'BeforeInstall']), {
    code: 'CLI_USAGE',
    message: 'BeforeInstall runs before Install (it prepares the host for the new files): list it before Install. Please fix the order of your specified events: Install,BeforeInstall',
  });
  t.throws(() => run(['BeforeInstall', 'DownloadBundle']), { message: /^BeforeInstall needs the new revision: list it after DownloadBundle\. Please fix the order/ });
  t.throws(() => run(['CustomEvent', 'Install']), { message: /^CustomEvent runs after the new revision is installed: list it after Install\. Please fix the order of your specified events: CustomEvent,Install$/ });
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
    [{ events: ['Install', 'BeforeInstall'] }, /^BeforeInstall runs before Install/],
    [{ events: ['ApplicationStart', 'DownloadBundle'] }, /^The only events that can be specified before DownloadBundle/],
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
