// examples/pipelines/codepipeline.yml with its buildspecs, run as CodePipeline and CodeBuild would
// against the sandbox: the commands come from the files (buildspec phases, in order, in one bash),
// the CodeBuild actions' environment from the template (pipeline variables resolved, the Build
// stage's exported variables fed to the later stages), the Approval and Resume stages entered or
// skipped by their VariableCheck rules. Only the npm install is stood in for (fleetctl is the
// project's, with the device-side packages unresolvable). A production tag stops at the approval
// wave (exit 3 mapped to ROLLOUT_STATE=waiting), the approve buildspec finishes the rollout; a
// release candidate goes to staging without stopping; a tag the pipeline's environment does not
// take fails the build; the trigger filters route tags as fleet.yml does; cfn-lint is clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseRolloutConfig } from '../../../controller/rollout/config-parse.js';
import { routeRelease } from '../../../controller/rollout/routing.js';
import {
  applyStandIns, cfnEvaluate, codebuildScript, parseBuildspec, parseOutputs, parseTemplate, pipelineStartsOn,
  resolvePipelineVariables, templateParameters, variableCheck, type StandIn,
} from '../../helpers/pipeline-extract.js';
import { tempDir } from '../../helpers/temp-dir.js';
import {
  checkout, EXAMPLES, PIPELINE_ROLE, readExample, rolloutStatus, runBash, startPipelineEstate, T1, T2, tenantStackVersion, tenantWebFiles,
  type PipelineEstate, type Run,
} from './pipeline-fixture.js';

t.setTimeout(300_000);

interface Action {
  readonly Name: string;
  readonly Namespace?: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly Configuration: Record<string, unknown>;
}
interface Rule { readonly RuleTypeId: { readonly Provider: string }; readonly Configuration: Record<string, unknown> }
interface Stage {
  readonly Name: string;
  readonly BeforeEntry?: { readonly Conditions: readonly { readonly Result: string; readonly Rules: readonly Rule[] }[] };
  readonly Actions: readonly Action[];
}
interface PipelineProps {
  readonly Variables: readonly { readonly Name: string; readonly DefaultValue: string }[];
  readonly Triggers: unknown;
  readonly Stages: readonly Stage[];
}

/** Steps CodeBuild's hosted image does differently; each must still be in the buildspec. */
const STAND_INS: StandIn[] = [
  {
    match: /^npm install --global "\$FLEETCTL_PACKAGE" --omit=optional$/,
    run: 'command -v fleetctl >/dev/null && test -n "$FLEETCTL_PACKAGE"',
    why: 'installing fleetctl',
  },
];

const template = parseTemplate(readExample('codepipeline.yml'));
const resources = template['Resources'] as Record<string, { Properties: Record<string, unknown> }>;
const GIVEN = {
  ConnectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/0000-example',
  FullRepositoryId: 'acme/air-quality',
  ArtifactBucket: 'acme-pipeline-artifacts',
  PipelineRoleArn: 'arn:aws:iam::111111111111:role/AirQualityPipeline',
  CodeBuildRoleArn: 'arn:aws:iam::111111111111:role/FleetctlPipelineRole',
  FleetctlPackage: 'https://example.com/edge-fleet-0.1.0.tgz',
};
const pipelineOf = (environment: string): PipelineProps =>
  cfnEvaluate(resources['Pipeline']?.Properties, template, {
    ...templateParameters(template, { ...GIVEN, Environment: environment }),
    'AWS::StackName': `air-quality-${environment}`,
  }) as PipelineProps;
const stage = (p: PipelineProps, name: string): Stage => p.Stages.find((s) => s.Name === name) ?? t.fail(`no stage ${name}`) as never;

/** Whether CodePipeline enters a stage: every SKIP condition's VariableCheck rules pass. */
function entered(s: Stage, vars: Record<string, string>): boolean {
  return (s.BeforeEntry?.Conditions ?? []).every((c) => {
    const known = c.Result === 'SKIP' && c.Rules.every((r) => r.RuleTypeId.Provider === 'VariableCheck');
    if (!known) throw new Error(`${s.Name}: a condition this test does not know`);
    return c.Rules.every((r) => variableCheck(r.Configuration, vars));
  });
}

let e: PipelineEstate;
t.before(async () => {
  e = await startPipelineEstate(t);
});

/** Runs a CodeBuild action: its project's buildspec from the checkout, with the action's and the project's variables. */
async function codebuild(t: Test, repo: string, action: Action, vars: Record<string, string>, extra: Record<string, string> = {}) {
  t.equal(action.ActionTypeId.Provider, 'CodeBuild', `${action.Name} is a CodeBuild action`);
  const project = resources[String(action.Configuration['ProjectName'])]?.Properties ?? {};
  const buildspecFile = String((project['Source'] as Record<string, unknown>)['BuildSpec']);
  const spec = parseBuildspec(readFileSync(join(repo, buildspecFile), 'utf8'), buildspecFile);
  const projectEnv = (project['Environment'] as { EnvironmentVariables: { Name: string; Value: string }[] }).EnvironmentVariables;
  const overrides = action.Configuration['EnvironmentVariables'];
  type Variable = { name: string; value: string };
  const resolved = overrides === undefined ? '[]' : resolvePipelineVariables(String(overrides), vars, action.Name);
  const actionEnv = JSON.parse(resolved) as Variable[];
  const work = tempDir(t, 'codebuild');
  const exportFile = join(work, 'exported');
  const script = join(work, 'build.sh');
  writeFileSync(script, codebuildScript(applyStandIns(spec.steps, STAND_INS), spec.exported, exportFile));
  const env = {
    ...e.env,
    ...spec.variables, // lowest: the buildspec's own, then the project's, then the pipeline action's
    ...Object.fromEntries(projectEnv.map((v) => [v.Name, v.Value])),
    ...Object.fromEntries(actionEnv.map((v) => [v.name, v.value])),
    CODEBUILD_SRC_DIR: repo,
    CODEBUILD_BUILD_ID: `${action.Name}:0001`,
    CODEBUILD_INITIATOR: 'codepipeline/air-quality',
    ...extra,
  };
  const run: Run = await runBash(script, [], repo, env);
  let exported: Record<string, string> = {};
  try {
    exported = parseOutputs(readFileSync(exportFile, 'utf8'));
  } catch {
    // a failed build exports nothing
  }
  const reports = spec.reportFiles.filter((f) => existsSync(join(repo, f)));
  const namespaced = Object.fromEntries(Object.entries(exported).map(([k, v]) => [`${action.Namespace ?? action.Name}.${k}`, v]));
  return { run, exported, namespaced, reports, reportFiles: spec.reportFiles };
}

const pipelineVars = (p: PipelineProps): Record<string, string> => ({
  ...Object.fromEntries(p.Variables.map((v) => [`variables.${v.Name}`, v.DefaultValue])),
  'codepipeline.PipelineExecutionId': 'exec-0001',
});

t.test('a production tag: Build waits for the approval (exit 3), Approval and Resume finish the rollout', async (t) => {
  const tag = 'v1.2.0';
  const repo = checkout(t, tag);
  const pipeline = pipelineOf('production');
  t.ok(pipelineStartsOn(pipeline.Triggers, tag), 'the production pipeline starts on the tag');
  t.same(pipeline.Stages.map((s) => s.Name), ['Source', 'Build', 'Approval', 'Resume']);
  const source = stage(pipeline, 'Source').Actions[0]?.Configuration;
  t.match(source, { OutputArtifactFormat: 'CODEBUILD_CLONE_REF' }, 'a git clone: the build finds the tag');
  const vars = pipelineVars(pipeline);
  const commit = { CODEBUILD_RESOLVED_SOURCE_VERSION: repo.commit };
  const build = await codebuild(t, repo.dir, stage(pipeline, 'Build').Actions[0]!, vars, commit);
  t.equal(build.run.code, 0, 'waiting for a person does not fail the build', { output: build.run.output });
  const id = `air-quality@${tag}@production`;
  t.match(build.exported, { RELEASE_VERSION: tag, ROLLOUT_ID: id, ROLLOUT_STATE: 'waiting', WAITING_WAVE: 'everyone' });
  t.match(build.run.output, /waiting for approval of wave everyone/);
  t.same(build.reports, build.reportFiles, 'the reports the buildspec names are written');
  t.same(build.reportFiles, ['rollout-report/junit.xml']);
  t.same(await tenantWebFiles(e.sb, T1), ['dashboard/index.html'], 'the first wave ran');
  t.equal(await tenantStackVersion(e.sb, T1), tag);
  t.same(await tenantWebFiles(e.sb, T2), [], 'the approval wave did not');

  Object.assign(vars, build.namespaced);
  const approval = stage(pipeline, 'Approval');
  t.ok(entered(approval, vars), 'the Approval stage is entered');
  t.match(approval.Actions[0]?.ActionTypeId, { Category: 'Approval', Provider: 'Manual' });
  const customData = resolvePipelineVariables(String(approval.Actions[0]?.Configuration['CustomData']), vars, 'CustomData');
  t.match(customData, /air-quality@v1.2.0@production .*wave\s+everyone/);
  const resume = stage(pipeline, 'Resume');
  t.ok(entered(resume, vars), 'the Resume stage is entered');
  const r = await codebuild(t, repo.dir, resume.Actions[0]!, vars);
  t.equal(r.run.code, 0, 'approve and resume finish the rollout', { output: r.run.output });
  t.same(r.reports, ['rollout-report/junit.xml'], 'the resume writes its report');
  t.same(await tenantWebFiles(e.sb, T2), ['dashboard/index.html'], 'the approved wave ran');
  const status = await rolloutStatus(e, repo.dir, `air-quality@${tag}@production`);
  const approved = { by: PIPELINE_ROLE, comment: /exec-0001/ };
  t.match(status, { state: 'succeeded', waves: [{ name: 'first' }, { name: 'everyone', approval: { approved } }] });
});

t.test('a release candidate goes to staging at once; Approval and Resume are skipped', async (t) => {
  const tag = 'v1.2.0-rc1';
  const repo = checkout(t, tag);
  const pipeline = pipelineOf('staging');
  t.ok(pipelineStartsOn(pipeline.Triggers, tag), 'the staging pipeline starts on the tag');
  t.notOk(pipelineStartsOn(pipelineOf('production').Triggers, tag), 'the production pipeline does not');
  const vars = pipelineVars(pipeline);
  const build = await codebuild(t, repo.dir, stage(pipeline, 'Build').Actions[0]!, vars);
  t.equal(build.run.code, 0, { output: build.run.output });
  t.match(build.exported, { RELEASE_VERSION: tag, ROLLOUT_ID: `air-quality@${tag}@staging`, ROLLOUT_STATE: 'done', WAITING_WAVE: '' });
  Object.assign(vars, build.namespaced);
  t.notOk(entered(stage(pipeline, 'Approval'), vars), 'Approval skipped');
  t.notOk(entered(stage(pipeline, 'Resume'), vars), 'Resume skipped');
  t.match(await rolloutStatus(e, repo.dir, `air-quality@${tag}@staging`), { state: 'succeeded', counts: { succeeded: 2 } });
});

t.test('a tag fleet.yml routes elsewhere fails the build (webhook tag, exit 2 from fleetctl)', async (t) => {
  const repo = checkout(t, 'not-a-release');
  const pipeline = pipelineOf('production');
  const webhook = { CODEBUILD_WEBHOOK_TRIGGER: 'tag/v1.3.0-rc1' };
  const build = await codebuild(t, repo.dir, stage(pipeline, 'Build').Actions[0]!, pipelineVars(pipeline), webhook);
  t.equal(build.run.code, 1, { output: build.run.output });
  t.match(build.run.output, /release v1\.3\.0-rc1 does not match environment production[\s\S]*rollout \?: failed \(fleetctl exit 2\)/);
  t.match(build.run.output, /buildspec\.yml build\[2\] failed with exit 1/);
});

t.test('a commit without a tag stops before fleetctl runs', async (t) => {
  const repo = checkout(t, 'v9.9.9');
  spawnSync('git', ['tag', '-d', 'v9.9.9'], { cwd: repo.dir });
  const pipeline = pipelineOf('production');
  const build = await codebuild(t, repo.dir, stage(pipeline, 'Build').Actions[0]!, pipelineVars(pipeline));
  t.equal(build.run.code, 1);
  t.match(build.run.output, /no version: tag the commit/);
  t.notMatch(build.run.output, /fleetctl|release push/i);
});

t.test('the trigger filters route tags as fleet.yml does; cfn-lint finds nothing', async (t) => {
  const parsed = parseRolloutConfig(readExample('fleet.yml'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  for (const tag of ['v1.2.0', 'v1.2.0-rc1', 'v2.0.0-rc12', 'v10.0.1', 'nightly-7']) {
    const started = ['staging', 'production'].filter((env) => pipelineStartsOn(pipelineOf(env).Triggers, tag));
    const routed = routeRelease(parsed.config, tag);
    t.same(started, routed.ok ? [routed.environment.name] : [], `${tag}: ${started.join(', ') || 'no pipeline'}`);
  }
  const lint = spawnSync('cfn-lint', ['--', join(EXAMPLES, 'codepipeline.yml')], { encoding: 'utf8' });
  if (lint.error && (lint.error as NodeJS.ErrnoException).code === 'ENOENT') t.comment('cfn-lint is not installed: template not linted');
  else t.equal(lint.status, 0, `cfn-lint: ${lint.stdout}${lint.stderr}`);
});
