// The command-line definitions of `fleetctl rollout plan|start|resume|status|ls|approve|pause|abort`.
// Only flags live here; each action imports its command module when it runs.
import type { Command } from 'commander';
import type { CliSession } from '../../shared/cli/commander.js';
import type { RolloutDeps } from '../commands/rollout-common.js';
import type { AbortFlags } from '../commands/rollout-abort.js';
import type { ApproveFlags } from '../commands/rollout-approve.js';
import type { PauseFlags } from '../commands/rollout-pause.js';
import type { PlanFlags } from '../commands/rollout-plan.js';
import type { RehearseFlags } from '../commands/rollout-rehearse.js';
import type { ReportFlags } from '../commands/rollout-report.js';
import type { StartFlags } from '../commands/rollout-start.js';
import type { StatusFlags, WhereFlags } from '../commands/rollout-status.js';
import { positiveInt } from './fleet-options.js';

export interface RolloutCliDeps {
  readonly session: CliSession;
  /** Built when a rollout command runs (main.ts knows the streams, the host and the process). */
  readonly rolloutDeps: () => RolloutDeps;
}

const REPORT_DIR_HELP =
  'at the end of the run (whatever its outcome, waiting included) write report.html, report.md and junit.xml into this folder ' +
  "(created when missing); a report that cannot be written is a warning, not the run's exit code";

const spec = <T extends object>(command: string, json: boolean | undefined, human: (d: T) => string) => ({ command, schemaVersion: 1, json: json === true, human });

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'the rollout config', 'fleet.yml')
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (e.g. the sandbox); AWS_ENDPOINT_URL_<SERVICE> also work')
    .option('--json', 'print one JSON document on stdout (progress as NDJSON on stderr)');
}

function bucketOptions(cmd: Command): Command {
  return cmd
    .option('--bucket <bucket>', 'the release bucket (instead of --config)')
    .option('--prefix <prefix>', 'the release key prefix in the bucket (with --bucket)', '')
    .option('--region <region>', "the release bucket's region (with --bucket; default AWS_REGION)")
    .option('--application <name>', 'the application (ls with --bucket)');
}

export function rolloutCommands(program: Command, deps: RolloutCliDeps): void {
  const rollout = program
    .command('rollout')
    .description('roll a pushed release out to its environment, wave by wave; follow, list, approve, pause, resume and abort rollouts');

  common(
    rollout
      .command('plan')
      .description(
        'show what a rollout of the release would do, per wave and target, changing nothing but --change-sets previews ' +
          '(exit 0 could run, 1 blocked)',
      )
      .requiredOption('--release <version>', 'the release version (or tag)')
      .option('--environment <name>', 'this environment (default: the first whose pattern matches the release)')
      .option(
        '--change-sets',
        "also list each stack target's resource changes: creates the change set the rollout would (named " +
          'fleetctl-preview-*) and deletes it again, with the empty stack that a change set for a new stack leaves; ' +
          'the only writes a plan makes (IAM: docs/rollouts.md)',
      ),
  ).action(async (o: PlanFlags) => {
    const { renderPlan } = await import('../rollout/render.js');
    await deps.session.run(spec('rollout.plan', o.json, renderPlan), async () => (await import('../commands/rollout-plan.js')).rolloutPlan(o, deps.rolloutDeps()));
  });

  const many = (v: string, prev: string[] = []): string[] => [...prev, v];
  common(
    rollout
      .command('rehearse')
      .description(
        'rehearse the rollout policy in a throw-away sandbox that mirrors the plan, with faults injected; nothing in AWS changes ' +
          '(exit 0 the policy behaved: it stopped the injected bad release where a gate could see it, or completed without one; ' +
          '1 it let the bad release through; 2 usage)',
      )
      .requiredOption('--release <version>', 'the release version (or tag)')
      .option('--environment <name>', 'this environment (default: the first whose pattern matches the release)')
      .option('--plan <file>', 'a saved `rollout plan --json` document (else the plan is read from AWS, read-only, as rollout plan does)')
      .option('--fail-rate <p>', 'share (0..0.5) of CodeDeploy, S3, STS and CloudFormation calls refused (throttled or 5xx)')
      .option('--unhealthy <spec>', 'ringN:K, TARGET@ringN:K or TARGET:K: K devices turn unhealthy with the release (repeatable)', many)
      .option('--alarm <spec>', "TARGET@WAVE: the gates' alarms fire in TARGET's account when WAVE starts (repeatable)", many)
      .option('--fail <target>', "every deployment of the release to this devices, codedeploy or stack target fails (repeatable)", many)
      .option('--time-scale <factor>', 'factor applied to bakes and gate waits (default 0.001: a 15m bake takes 0.9 s)'),
  ).action(async (o: RehearseFlags) => {
    const { renderRehearsal } = await import('../rollout/rehearse/report.js');
    await deps.session.run(spec('rollout.rehearse', o.json, renderRehearsal), async () =>
      (await import('../commands/rollout-rehearse.js')).rolloutRehearse(o, deps.rolloutDeps()),
    );
  });

  common(
    rollout
      .command('start')
      .description(
        'run the rollout (or resume it: the id is application@version@environment); exit 0 all done, 1 halted, ' +
          '3 waiting for a person (a wave with approval: manual, or a pause): the message says what to run',
      )
      .requiredOption('--release <version>', 'the release version (or tag)')
      .option('--environment <name>', 'this environment (default: the first whose pattern matches the release)')
      .option('--detach', 'drive the rollout in a background process and return at once with its id')
      .option('--log <file>', 'with --detach: the background output (default .fleetctl/<id>.log next to the config)')
      .option('--report-dir <dir>', REPORT_DIR_HELP),
  ).action(async (o: StartFlags) => {
    const { renderStart } = await import('../rollout/render-results.js');
    await deps.session.run(spec('rollout.start', o.json, renderStart), async () => (await import('../commands/rollout-start.js')).rolloutStart(o, deps.rolloutDeps()));
  });

  common(
    rollout
      .command('resume')
      .description('lift a pause (rollout pause), then the same as starting the rollout again; exits as start does')
      .argument('<id>', 'the rollout id (application@version@environment)')
      .option('--detach', 'drive the rollout in a background process and return at once')
      .option('--log <file>', 'with --detach: the background output')
      .option('--report-dir <dir>', REPORT_DIR_HELP),
  ).action(async (id: string, o: StartFlags) => {
    const { renderStart } = await import('../rollout/render-results.js');
    await deps.session.run(spec('rollout.resume', o.json, renderStart), async () => (await import('../commands/rollout-start.js')).rolloutResume(id, o, deps.rolloutDeps()));
  });

  bucketOptions(
    common(
      rollout
        .command('status')
        .description("a rollout's waves and targets from its journal (any machine with read access to the bucket)")
        .argument('[id]', 'the rollout id (or --release with --config)')
        .option('--release <version>', 'the rollout of this release (with --config)')
        .option('--environment <name>', 'with --release: this environment')
        .option('--watch', 'follow until the rollout ends; exit as it ends (0 succeeded, 1 halted or aborted)')
        .addHelpText('after', '\nA rollout waiting for an approval or a resume exits 0 here (its state says what it waits for).')
        .option('--interval <seconds>', 'with --watch: seconds between reads (default 5)', positiveInt),
    ),
  ).action(async (id: string | undefined, o: StatusFlags) => {
    const { renderSummary } = await import('../rollout/render.js');
    await deps.session.run(spec('rollout.status', o.json, renderSummary), async () => (await import('../commands/rollout-status.js')).rolloutStatus(id, o, deps.rolloutDeps()));
  });

  bucketOptions(
    common(
      rollout
        .command('report')
        .description(
          "a rollout's reports from its journal: HTML (one self-contained page), Markdown (a PR comment or " +
            '$GITHUB_STEP_SUMMARY; on stdout without a file flag), JUnit XML (a test suite per wave); ' +
            "exit 0 once written, whatever the rollout's outcome",
        )
        .argument('<id>', 'the rollout id (application@version@environment)')
        .option('--html <file>', 'write the HTML report here')
        .option('--markdown <file>', 'write the Markdown report here')
        .option('--junit <file>', 'write the JUnit XML report here'),
    ),
  ).action(async (id: string, o: ReportFlags) => {
    const { renderReportResult, rolloutReport } = await import('../commands/rollout-report.js');
    await deps.session.run(spec('rollout.report', o.json, renderReportResult), async () => rolloutReport(id, o, deps.rolloutDeps()));
  });

  bucketOptions(common(rollout.command('ls').description('the rollouts of the application under the release prefix'))).action(async (o: WhereFlags) => {
    const { renderLs } = await import('../rollout/render.js');
    await deps.session.run(spec('rollout.ls', o.json, renderLs), async () => (await import('../commands/rollout-status.js')).rolloutLs(o, deps.rolloutDeps()));
  });

  common(
    rollout
      .command('abort')
      .description('stop a rollout: no further target starts; without a driving controller, active deployments and stack updates are stopped too')
      .argument('<id>', 'the rollout id (application@version@environment)')
      .option('--reason <text>', 'why (recorded in the journal)')
      .option(
        '--rollback',
        "then put back what the rollout changed, as the environment's rollback policy says (failed: the failed targets, wave: the " +
          "stopped wave's, all: every target it changed; all when the policy is none): each to what it ran before the rollout",
      ),
  ).action(async (id: string, o: AbortFlags) => {
    const { renderAbort } = await import('../rollout/render-results.js');
    await deps.session.run(spec('rollout.abort', o.json, renderAbort), async () => (await import('../commands/rollout-abort.js')).rolloutAbort(id, o, deps.rolloutDeps()));
  });

  common(
    rollout
      .command('approve')
      .description(
        'approve a wave with approval: manual (recorded with your AWS identity); then `rollout resume ID` goes on. ' +
          'Exit 0 approved (or already), 1 the rollout has finished or never started, 2 no such wave or it takes no approval',
      )
      .argument('<id>', 'the rollout id (application@version@environment)')
      .requiredOption('--wave <name>', 'the wave to approve')
      .option('--comment <text>', 'recorded with the approval'),
  ).action(async (id: string, o: ApproveFlags) => {
    const { renderApprove } = await import('../rollout/render-results.js');
    await deps.session.run(spec('rollout.approve', o.json, renderApprove), async () =>
      (await import('../commands/rollout-approve.js')).rolloutApprove(id, o, deps.rolloutDeps()),
    );
  });

  common(
    rollout
      .command('pause')
      .description(
        'stop the rollout before its next wave (the wave in progress finishes; the controller driving it then exits 3); ' +
          '`rollout resume ID` goes on. Exit 0 paused (or already, or finished), 1 the rollout never started',
      )
      .argument('<id>', 'the rollout id (application@version@environment)')
      .option('--reason <text>', 'why (recorded in the journal)'),
  ).action(async (id: string, o: PauseFlags) => {
    const { renderPause } = await import('../rollout/render-results.js');
    await deps.session.run(spec('rollout.pause', o.json, renderPause), async () =>
      (await import('../commands/rollout-pause.js')).rolloutPause(id, o, deps.rolloutDeps()),
    );
  });
}
