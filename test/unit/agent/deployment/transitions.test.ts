import t from 'tap';
import {
  COMMAND_KINDS,
  COMMAND_PHASES,
  COMMAND_TRANSITIONS,
  DEPLOYMENT_STATES,
  DEPLOYMENT_TRANSITIONS,
  TRACKED_PHASES,
  commandKind,
  nextCommandPhase,
  nextDeploymentState,
} from '../../../../agent/deployment/transitions.js';

t.test('command names map to kinds', async (t) => {
  const cases: [string, string][] = [
    ['BeforeBlockTraffic', 'PreDownloadHook'],
    ['AfterBlockTraffic', 'PreDownloadHook'],
    ['ApplicationStop', 'PreDownloadHook'],
    ['DownloadBundle', 'DownloadBundle'],
    ['BeforeInstall', 'PreInstallHook'],
    ['Install', 'Install'],
    ['AfterInstall', 'PostInstallHook'],
    ['ApplicationStart', 'PostInstallHook'],
    ['ValidateService', 'PostInstallHook'],
    ['BeforeAllowTraffic', 'PostInstallHook'],
    ['AfterAllowTraffic', 'PostInstallHook'],
    ['CustomEvent', 'PostInstallHook'],
  ];
  for (const [name, kind] of cases) t.equal(commandKind(name), kind, name);
});

t.test('the deployment table, row by row', async (t) => {
  const legal: [string, string, string | null][] = [
    ['Pending', 'ApplicationStop', 'Pending'],
    ['Pending', 'DownloadBundle', 'Downloaded'],
    ['Pending', 'BeforeInstall', null],
    ['Pending', 'Install', null],
    ['Pending', 'AfterInstall', null],
    ['Downloaded', 'BeforeInstall', 'Downloaded'],
    ['Downloaded', 'Install', 'Installed'],
    ['Downloaded', 'ApplicationStart', null],
    ['Installed', 'AfterInstall', 'Installed'],
    ['Installed', 'ValidateService', 'Installed'],
    ['Installed', 'Install', 'Installed'],
    ['Installed', 'DownloadBundle', 'Downloaded'],
    ['Installed', 'BeforeInstall', null],
  ];
  for (const [state, cmd, next] of legal) {
    const r = nextDeploymentState(state as (typeof DEPLOYMENT_STATES)[number], cmd);
    if (next === null) {
      t.equal(r.ok, false, `${state} x ${cmd} is out of order`);
      if (!r.ok) t.match(r.reason, new RegExp(`^${cmd} cannot run while the deployment is ${state}`));
    } else {
      t.same(r, { ok: true, next }, `${state} x ${cmd} -> ${next}`);
    }
  }
});

t.test('invariants: every state reachable from Pending, every target is a state', async (t) => {
  const seen = new Set<string>(['Pending']);
  let frontier = ['Pending'];
  while (frontier.length > 0) {
    const nextFrontier: string[] = [];
    for (const s of frontier) {
      for (const target of Object.values(DEPLOYMENT_TRANSITIONS[s as (typeof DEPLOYMENT_STATES)[number]])) {
        t.ok((DEPLOYMENT_STATES as readonly string[]).includes(target as string));
        if (!seen.has(target as string)) {
          seen.add(target as string);
          nextFrontier.push(target as string);
        }
      }
    }
    frontier = nextFrontier;
  }
  t.same([...seen].sort(), [...DEPLOYMENT_STATES].sort());
  for (const s of DEPLOYMENT_STATES) t.ok(DEPLOYMENT_TRANSITIONS[s].PreDownloadHook, `${s} accepts pre-download hooks (they run from the last successful revision)`);
  t.equal(COMMAND_KINDS.length, 5);
});

t.test('command phases: the happy and failed paths, and illegal signals throw', async (t) => {
  let p = nextCommandPhase('received', 'track');
  p = nextCommandPhase(p, 'start');
  p = nextCommandPhase(p, 'succeed');
  t.equal(nextCommandPhase(p, 'report'), 'reported');
  t.equal(nextCommandPhase(nextCommandPhase('received', 'fail'), 'report'), 'reported');
  t.throws(() => nextCommandPhase('received', 'start'), /illegal command transition/);
  t.throws(() => nextCommandPhase('reported', 'report'));
  for (const phase of COMMAND_PHASES) {
    if (phase === 'reported') t.same(COMMAND_TRANSITIONS[phase], {});
    else t.ok(Object.keys(COMMAND_TRANSITIONS[phase]).length > 0, `${phase} is not a dead end`);
  }
  t.same(TRACKED_PHASES, ['tracked', 'running']);
});
