import t from 'tap';
import { customHookEvents, suggestedEventList } from '../../../appspec/lifecycle.js';
import {
  DEFAULT_ORDERED_LIFECYCLE_EVENTS,
  HOOK_EVENTS,
  RESERVED_COMMANDS,
  hookTimeoutSum,
  isNoopHook,
  revisionSourceFor,
  validateHookSet,
  type RevisionSource,
} from '../../../appspec/index.js';
import { parsed, withHeader } from './helpers.js';

t.test('event lists', async (t) => {
  t.same(DEFAULT_ORDERED_LIFECYCLE_EVENTS, [
    'BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
    'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic',
  ]);
  t.same(HOOK_EVENTS, DEFAULT_ORDERED_LIFECYCLE_EVENTS.filter((e) => e !== 'DownloadBundle' && e !== 'Install'));
  t.same(RESERVED_COMMANDS, ['DownloadBundle', 'Install']);
});

t.test('revision source table (HookExecutor)', async (t) => {
  const table: ReadonlyArray<[string, RevisionSource, RevisionSource]> = [
    ['BeforeBlockTraffic', 'LastSuccessfulOrIgnore', 'MostRecentOrIgnore'],
    ['AfterBlockTraffic', 'LastSuccessfulOrIgnore', 'MostRecentOrIgnore'],
    ['ApplicationStop', 'LastSuccessfulOrIgnore', 'LastSuccessfulOrIgnore'],
    ['BeforeInstall', 'New', 'New'],
    ['AfterInstall', 'New', 'New'],
    ['ApplicationStart', 'New', 'New'],
    ['ValidateService', 'New', 'New'],
    ['BeforeAllowTraffic', 'New', 'LastSuccessfulOrIgnore'],
    ['AfterAllowTraffic', 'New', 'LastSuccessfulOrIgnore'],
    ['CustomEvent', 'New', 'New'],
  ];
  const rollback = { deploymentType: 'BLUE_GREEN', deploymentCreator: 'codeDeployRollback' };
  for (const [event, normal, blueGreenRollback] of table) {
    t.equal(revisionSourceFor(event, {}), normal, `${event} normal`);
    t.equal(revisionSourceFor(event, { deploymentType: 'IN_PLACE', deploymentCreator: 'codeDeployRollback' }), normal, `${event} in-place rollback`);
    t.equal(revisionSourceFor(event, { deploymentType: 'BLUE_GREEN', deploymentCreator: 'user' }), normal, `${event} blue/green by user`);
    t.equal(revisionSourceFor(event, rollback), blueGreenRollback, `${event} BLUE_GREEN + codeDeployRollback`);
  }
  t.equal(revisionSourceFor('BeforeBlockTraffic', { deploymentType: 'blue_green', deploymentCreator: 'codeDeployRollback' }), 'LastSuccessfulOrIgnore', 'case-sensitive');
});

const appspec = parsed(withHeader('hooks:\n  ApplicationStart:\n    - location: a\n  CustomEvent:\n    - location: c\n'));
const allDefault = [...DEFAULT_ORDERED_LIFECYCLE_EVENTS];

t.test('validateHookSet', async (t) => {
  t.equal(validateHookSet(appspec, { appspecFilename: 'appspec.yml', hookMappingKeys: HOOK_EVENTS }), undefined, 'no AllPossibleLifecycleEvents: nothing checked');
  t.same(validateHookSet(appspec, { appspecFilename: 'appspec.yml', allPossibleLifecycleEvents: allDefault, hookMappingKeys: HOOK_EVENTS }), {
    code: 'APPSPEC_UNKNOWN_LIFECYCLE_EVENTS',
    message: 'appspec.yml file contains unknown lifecycle events: ["CustomEvent"]',
    path: 'hooks',
  });
  const foo = parsed(withHeader('hooks:\n  Foo: []\n  Bar: []\n'));
  t.equal(
    validateHookSet(foo, { appspecFilename: 'appspec_override.yaml', allPossibleLifecycleEvents: allDefault, hookMappingKeys: [...HOOK_EVENTS, 'Baz'] })?.message,
    'appspec_override.yaml file contains unknown lifecycle events: ["Foo", "Bar", "Baz"]',
    'appspec hooks first, then mapping keys, Ruby inspect format',
  );
  const withCustom = [...allDefault, 'CustomEvent'];
  t.equal(
    validateHookSet(appspec, { appspecFilename: 'appspec.yml', allPossibleLifecycleEvents: withCustom, hookMappingKeys: [...HOOK_EVENTS, 'CustomEvent'] }),
    undefined,
    'custom event present in the AppSpec',
  );
  t.same(
    validateHookSet(appspec, {
      appspecFilename: 'appspec.yml',
      allPossibleLifecycleEvents: [...withCustom, 'CustomHookNotInAppspec', 'Other'],
      hookMappingKeys: [...HOOK_EVENTS],
    }),
    {
      code: 'APPSPEC_CUSTOM_EVENT_MISSING',
      message: "You specified a lifecycle event which is not a default one and doesn't exist in your appspec.yml file: CustomHookNotInAppspec,Other",
      path: 'hooks',
    },
  );
});

t.test('isNoopHook and hookTimeoutSum', async (t) => {
  const a = parsed(
    withHeader(
      'hooks:\n  BeforeInstall:\n    - location: a\n      timeout: 300\n  AfterInstall:\n    - location: a\n      timeout: 300\n    - location: b\n      timeout: 150\n' +
        '  ApplicationStart:\n    - location: a\n      timeout: 300\n    - location: b\n  ValidateService: []\n',
    ),
  );
  t.equal(isNoopHook(undefined, 'ApplicationStop'), true, 'no AppSpec (first deployment)');
  t.equal(isNoopHook(a, 'ApplicationStop'), true, 'absent');
  t.equal(isNoopHook(a, 'ValidateService'), true, 'empty list');
  t.equal(isNoopHook(a, 'BeforeInstall'), false);
  t.equal(isNoopHook(a, 'toString'), true, 'not fooled by Object.prototype');
  t.equal(isNoopHook(undefined, 'Install'), false, 'Install is never a no-op');
  t.equal(isNoopHook(a, 'DownloadBundle'), false);
  t.equal(hookTimeoutSum(a, 'BeforeInstall'), 300);
  t.equal(hookTimeoutSum(a, 'AfterInstall'), 450);
  t.equal(hookTimeoutSum(a, 'ApplicationStart'), 3900, 'default 3600 counted');
  t.equal(hookTimeoutSum(a, 'ApplicationStop'), 0);
  t.equal(hookTimeoutSum(undefined, 'ApplicationStop'), 0);
});

t.test('HOOK_TIMEOUT_SUM_EXCEEDED warns, does not fail', async (t) => {
  const { parseAppSpec } = await import('../../../appspec/index.js');
  const r = parseAppSpec(withHeader('hooks:\n  ApplicationStart:\n    - location: a\n      timeout: 300\n    - location: b\n  AfterInstall:\n    - location: c\n      timeout: 3600\n'));
  t.ok(r.ok);
  t.same(r.warnings, [
    {
      code: 'HOOK_TIMEOUT_SUM_EXCEEDED',
      message:
        'The scripts of lifecycle event ApplicationStart have timeouts that add up to 3900 seconds, more than the 3600 seconds CodeDeploy allows for one lifecycle event; the deployment may time out before they finish.',
      path: 'hooks.ApplicationStart',
    },
  ]);
});

t.test('custom events and the -e list that runs them', async (t) => {
  t.same(customHookEvents(['ApplicationStart', 'Calibrate', 'DownloadBundle', 'FlushCache']), ['Calibrate', 'FlushCache']);
  t.same(customHookEvents(['ApplicationStop', 'ValidateService']), []);
  t.same(
    suggestedEventList(['ValidateService', 'Calibrate', 'ApplicationStop', 'AfterAllowTraffic', 'ApplicationStart']),
    ['ApplicationStop', 'ApplicationStart', 'Calibrate', 'ValidateService', 'AfterAllowTraffic'],
    'standard hooks in lifecycle order, custom ones before ValidateService and the traffic hooks',
  );
  t.same(suggestedEventList(['AfterInstall', 'Calibrate']), ['AfterInstall', 'Calibrate'], 'at the end without validation hooks');
  t.same(suggestedEventList(['Calibrate']), ['Calibrate']);
});
