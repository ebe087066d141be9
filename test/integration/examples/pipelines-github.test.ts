// examples/pipelines/github-actions.yml run as GitHub Actions would against the sandbox: jobs in
// `needs` order, a job's `if:` evaluated, each step's `run:` with bash -eo pipefail (the runner's
// default shell) in the checkout, its `env:` expressions resolved from the contexts (an unknown
// one fails), GITHUB_OUTPUT read into the step's and then the job's outputs, GITHUB_STEP_SUMMARY
// kept. The steps only the hosted runner can do (checkout, setup-node, OIDC credentials, the npm
// install, the artifact upload) are stood in for by a table, each of which must still be in the
// workflow. A production tag: the rollout job ends with state=waiting (fleetctl exit 3), the
// approve job (environment production-approval) approves and resumes; a release candidate: done
// in staging, the approve job skipped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  applyStandIns, contextLookup, evaluateIf, parseOutputs, parseWorkflow, resolveExpressions, type StandIn, type WorkflowStep,
} from '../../helpers/pipeline-extract.js';
import { tempDir } from '../../helpers/temp-dir.js';
import {
  checkout, PIPELINE_ROLE, readExample, rolloutStatus, runBash, startPipelineEstate, T2, tenantWebFiles, type PipelineEstate,
} from './pipeline-fixture.js';

t.setTimeout(300_000);

const RUN_URL = 'https://github.com/acme/air-quality/actions/runs/4242';

const STAND_INS: StandIn[] = [
  { match: /^uses: actions\/checkout@v4$/, run: 'test -f fleet.yml', why: 'the checkout (the test checked the repository out)' },
  { match: /^uses: actions\/setup-node@v4$/, run: 'node --version', why: 'setting Node.js up' },
  {
    match: /^uses: aws-actions\/configure-aws-credentials@v4$/,
    run: 'test -n "$AWS_ACCESS_KEY_ID" && test -n "$AWS_SESSION_TOKEN"',
    why: 'OIDC credentials (the test gives a role session)',
  },
  {
    match: /^npm install --global "\$FLEETCTL_PACKAGE" --omit=optional$/,
    run: 'command -v fleetctl >/dev/null && test -n "$FLEETCTL_PACKAGE"',
    why: 'installing fleetctl',
  },
  {
    match: /^uses: actions\/upload-artifact@v4$/,
    run: 'test -f rollout-report/report.html && test -f rollout-report/junit.xml',
    why: 'keeping the report',
  },
];

const workflow = parseWorkflow(readExample('github-actions.yml'));

let e: PipelineEstate;
t.before(async () => {
  e = await startPipelineEstate(t);
});

interface JobRun {
  readonly result: 'success' | 'failure' | 'skipped';
  readonly outputs: Record<string, string>;
  readonly log: string;
  readonly summary: string;
}

/** Runs the workflow for a pushed tag: each job in a fresh checkout, as GitHub gives each job its own runner. */
async function runWorkflow(t: Test, tag: string): Promise<Record<string, JobRun>> {
  const contexts: Record<string, unknown> = {
    github: { ref_name: tag, run_id: '4242', server_url: 'https://github.com', repository: 'acme/air-quality' },
    vars: {
      FLEETCTL_ROLE_ARN: 'arn:aws:iam::111111111111:role/FleetctlPipelineRole',
      FLEETCTL_PACKAGE: 'https://example.com/edge-fleet-0.1.0.tgz',
    },
    env: workflow.env,
    needs: {},
  };
  const all = applyStandIns(workflow.jobs.flatMap((j) => j.steps), STAND_INS);
  const runs: Record<string, JobRun> = {};
  for (const job of workflow.jobs) {
    const lookup = contextLookup({ ...contexts, steps: {} });
    if (job.if !== undefined && !evaluateIf(job.if, lookup)) {
      runs[job.id] = { result: 'skipped', outputs: {}, log: '', summary: '' };
      continue;
    }
    const repo = checkout(t, tag).dir;
    const work = tempDir(t, `gha-${job.id}`);
    const summaryFile = join(work, 'summary.md');
    writeFileSync(summaryFile, '');
    const steps: Record<string, { outputs: Record<string, string> }> = {};
    let log = '';
    let result: JobRun['result'] = 'success';
    for (const [i, step] of all.filter((s) => s.where.startsWith(`${job.id}: `)).entries()) {
      const r = await runStep(step, { ...contexts, steps }, repo, join(work, `step-${i}`), summaryFile);
      log += `--- ${step.where}\n${r.output}`;
      if (step.id !== undefined) steps[step.id] = { outputs: r.outputs };
      if (r.code !== 0) {
        result = 'failure';
        break;
      }
    }
    const jobLookup = contextLookup({ ...contexts, steps });
    const outputs = Object.fromEntries(
      Object.entries(job.outputs).map(([k, v]) => [k, resolveExpressions(v, jobLookup, `${job.id} outputs`)]),
    );
    runs[job.id] = { result, outputs, log, summary: readFileSync(summaryFile, 'utf8') };
    (contexts['needs'] as Record<string, unknown>)[job.id] = { result, outputs };
  }
  return runs;
}

async function runStep(step: WorkflowStep, contexts: Record<string, unknown>, repo: string, base: string, summaryFile: string) {
  const lookup = contextLookup(contexts);
  for (const v of Object.values(step.with)) resolveExpressions(v, lookup, step.where); // every input has a value
  if (/\$\{\{/.test(step.command)) throw new Error(`${step.where}: an expression inside run: (pass it through env:)`);
  const env = Object.fromEntries(
    Object.entries({ ...workflow.env, ...step.env }).map(([k, v]) => [k, resolveExpressions(v, lookup, step.where)]),
  );
  const outputFile = `${base}.output`;
  writeFileSync(outputFile, '');
  writeFileSync(`${base}.sh`, step.command);
  const r = await runBash(`${base}.sh`, ['-eo', 'pipefail'], repo, {
    ...e.env,
    ...env,
    GITHUB_ACTIONS: 'true',
    GITHUB_REF_NAME: String(lookup('github.ref_name')),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
  });
  return { ...r, outputs: parseOutputs(readFileSync(outputFile, 'utf8')) };
}

t.test('the workflow: tags v*, OIDC (no stored keys), one approval job behind the environment', async (t) => {
  t.same(workflow.on, { push: { tags: ['v*'] } });
  t.same(workflow.permissions, { 'id-token': 'write', contents: 'read' });
  const jobs = workflow.jobs.map((j) => [j.id, j.needs, j.environment ?? null]);
  t.same(jobs, [['rollout', [], null], ['approve', ['rollout'], 'production-approval']]);
  const credentials = workflow.jobs.flatMap((j) => j.steps).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
  t.equal(credentials.length, 2);
  for (const s of credentials) t.same(Object.keys(s.with).sort(), ['aws-region', 'role-to-assume'], 'a role to assume, no access keys');
});

t.test('a production tag: the rollout job waits (exit 3), the approve job approves and resumes', async (t) => {
  const tag = 'v1.3.0';
  const runs = await runWorkflow(t, tag);
  const rollout = runs['rollout']!;
  t.equal(rollout.result, 'success', 'waiting for a person does not fail the job', { log: rollout.log });
  t.same(rollout.outputs, { state: 'waiting', 'rollout-id': `air-quality@${tag}@production`, wave: 'everyone' });
  t.match(rollout.log, /waiting for approval of wave everyone/);
  t.match(rollout.summary, /air-quality@v1\.3\.0@production/, 'the report is on the summary page');
  const approve = runs['approve']!;
  t.equal(approve.result, 'success', { log: approve.log });
  t.same(await tenantWebFiles(e.sb, T2), ['dashboard/index.html'], 'the approved wave ran');
  const repo = checkout(t, tag).dir;
  t.match(await rolloutStatus(e, repo, `air-quality@${tag}@production`), {
    state: 'succeeded',
    waves: [
      { name: 'first' },
      { name: 'everyone', approval: { approved: { by: PIPELINE_ROLE, comment: `approved in ${RUN_URL}` } } },
    ],
  });
});

t.test('a release candidate: done in staging, the approve job skipped', async (t) => {
  const tag = 'v1.3.0-rc1';
  const runs = await runWorkflow(t, tag);
  t.equal(runs['rollout']?.result, 'success', { log: runs['rollout']?.log });
  t.same(runs['rollout']?.outputs, { state: 'done', 'rollout-id': `air-quality@${tag}@staging`, wave: '' });
  t.equal(runs['approve']?.result, 'skipped');
});
