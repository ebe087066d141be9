// The reader of the pipeline examples (test/helpers/pipeline-extract.ts): buildspec commands in
// phase order and the script that runs them with CodeBuild's semantics (run in bash here), stand-ins
// that must match a step, workflow jobs in `needs` order with expressions and conditions, the
// CloudFormation intrinsics it evaluates, CodePipeline variables, VariableCheck rules and tag filters.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  applyStandIns, cfnEvaluate, codebuildScript, contextLookup, evaluateIf, parseBuildspec, parseOutputs, parseTemplate, parseWorkflow,
  pipelineStartsOn, resolveExpressions, resolvePipelineVariables, tagFilterTakes, templateParameters, variableCheck,
} from '../../helpers/pipeline-extract.js';

const BUILDSPEC = `version: 0.2
env:
  shell: bash
  variables: { A: one }
  exported-variables: [COLOUR, MISSING]
phases:
  build:
    commands:
      - export COLOUR=blue
      - echo "build $COLOUR"
  install:
    commands: [echo install]
reports:
  r: { files: [junit.xml], base-directory: out }
`;

t.test('a buildspec: commands in phase order, variables, exported variables, report files', async (t) => {
  const b = parseBuildspec(BUILDSPEC, 'b.yml');
  t.same(b.steps, [
    { where: 'b.yml install[0]', command: 'echo install' },
    { where: 'b.yml build[0]', command: 'export COLOUR=blue' },
    { where: 'b.yml build[1]', command: 'echo "build $COLOUR"' },
  ]);
  t.same(b.variables, { A: 'one' });
  t.same(b.exported, ['COLOUR', 'MISSING']);
  t.same(b.reportFiles, ['out/junit.xml']);
  t.throws(() => parseBuildspec('version: 0.1\nphases: {}\n', 'old.yml'), /version 0.2 expected/);
  t.throws(() => parseBuildspec('version: 0.2\nphases: { deploy: { commands: [x] } }\n', 'x.yml'), /unknown phases deploy/);
  t.throws(() => parseBuildspec('version: 0.2\nenv: { shell: sh }\nphases: {}\n', 's.yml'), /bash expected/);
});

t.test("the build script: one shell, the first failing command ends it with its status, exports written", async (t) => {
  const dir = t.testdir();
  const run = (commands: string[]) => {
    const exportFile = join(dir, `exported-${commands.length}`);
    const script = join(dir, `build-${commands.length}.sh`);
    writeFileSync(script, codebuildScript(commands.map((command, i) => ({ where: `step ${i}`, command })), ['COLOUR', 'NONE'], exportFile));
    const r = spawnSync('bash', ['--noprofile', '--norc', script], { encoding: 'utf8' });
    let exported = '';
    try {
      exported = readFileSync(exportFile, 'utf8');
    } catch {
      // none when the build failed
    }
    return { code: r.status, out: r.stdout, err: r.stderr, exported };
  };
  const ok = run(['export COLOUR=blue', 'cd /', 'echo "$COLOUR in $PWD"']);
  t.equal(ok.code, 0);
  t.equal(ok.out, 'blue in /\n', 'variables and the folder carry over from one command to the next');
  t.same(parseOutputs(ok.exported), { COLOUR: 'blue', NONE: '' });
  const failed = run(['echo first', '(exit 3)', 'echo never', 'echo never again']);
  t.equal(failed.code, 3);
  t.equal(failed.out, 'first\n');
  t.match(failed.err, /step 1 failed with exit 3/);
  t.equal(failed.exported, '', 'a failed build exports nothing');
});

t.test('stand-ins replace the steps they match, and each must match one', async (t) => {
  const steps = [{ where: 'a', command: 'npm install -g x' }, { where: 'b', command: 'fleetctl release push' }];
  t.same(applyStandIns(steps, [{ match: /^npm install/, run: 'true', why: 'install' }]), [{ where: 'a', command: 'true' }, steps[1]]);
  t.throws(() => applyStandIns(steps, [{ match: /^pip install/, run: 'true', why: 'pip' }]), /no step matches the stand-in for pip/);
});

const WORKFLOW = `on: { push: { tags: ['v*'] } }
permissions: { contents: read }
env: { R: us-east-1 }
jobs:
  second:
    needs: first
    if: needs.first.outputs.state == 'waiting'
    environment: approval
    steps:
      - { name: Approve, env: { ID: '\${{ needs.first.outputs.id }}' }, run: 'echo "$ID"' }
  first:
    outputs: { state: '\${{ steps.s.outputs.state }}' }
    steps:
      - { uses: actions/checkout@v4 }
      - { id: s, name: Start, run: 'echo state=waiting >> "$GITHUB_OUTPUT"' }
`;

t.test('a workflow: jobs in needs order, steps with run or uses', async (t) => {
  const w = parseWorkflow(WORKFLOW);
  t.same(w.jobs.map((j) => j.id), ['first', 'second']);
  t.same(w.env, { R: 'us-east-1' });
  const checkoutStep = { where: 'first: actions/checkout@v4', uses: 'actions/checkout@v4', command: 'uses: actions/checkout@v4' };
  t.match(w.jobs[0]?.steps, [checkoutStep, { id: 's', name: 'Start' }]);
  t.match(w.jobs[1], { needs: ['first'], environment: 'approval', if: "needs.first.outputs.state == 'waiting'" });
  t.throws(() => parseWorkflow('jobs: { a: { needs: b, steps: [] } }'), /needs/);
  t.throws(() => parseWorkflow('jobs: { a: { steps: [ { name: x, run: y, uses: z } ] } }'), /one of run and uses/);
});

t.test('expressions and conditions over the contexts', async (t) => {
  const needs = { first: { outputs: { state: 'waiting', 'rollout-id': 'a@v@e' } } };
  const lookup = contextLookup({ github: { ref_name: 'v1.2.0' }, needs });
  t.equal(resolveExpressions('tag ${{ github.ref_name }} id ${{needs.first.outputs.rollout-id}}', lookup, 'w'), 'tag v1.2.0 id a@v@e');
  t.throws(() => resolveExpressions('${{ vars.NOPE }}', lookup, 'step x'), /step x: \$\{\{ vars.NOPE \}\} has no value/);
  t.throws(() => resolveExpressions("${{ format('{0}', github.ref_name) }}", lookup, 'w'), /not a context path/);
  t.equal(evaluateIf("needs.first.outputs.state == 'waiting'", lookup), true);
  t.equal(evaluateIf("${{ needs.first.outputs.state != 'waiting' }}", lookup), false);
  t.equal(evaluateIf("needs.other.outputs.state == 'waiting'", lookup), false, 'a job that did not run has no outputs');
  t.equal(evaluateIf('always()', lookup), true);
  t.throws(() => evaluateIf("contains(github.ref_name, 'rc')", lookup), /not a condition/);
});

const TEMPLATE = `Parameters:
  Env: { Type: String }
  Branch: { Type: String, Default: main }
Mappings:
  Tags: { staging: { Include: 'v*-rc*' }, production: { Include: 'v*', Exclude: 'v*-rc*' } }
Conditions:
  IsProd: !Equals [!Ref Env, production]
Resources:
  Project: { Type: AWS::CodeBuild::Project }
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: !Sub '\${AWS::StackName}-\${Env}'
      Project: !Ref Project
      Branch: !Ref Branch
      Triggers:
        - GitConfiguration:
            Push:
              - Tags:
                  Includes: [!FindInMap [Tags, !Ref Env, Include]]
                  Excludes: !If [IsProd, [!FindInMap [Tags, production, Exclude]], !Ref AWS::NoValue]
`;

t.test('CloudFormation: parameters with defaults, Ref, Sub, FindInMap, If and NoValue; trigger filters', async (t) => {
  const tpl = parseTemplate(TEMPLATE);
  t.throws(() => templateParameters(tpl, {}), /parameter Env needs a value/);
  const props = (env: string) =>
    cfnEvaluate((tpl['Resources'] as Record<string, { Properties?: unknown }>)['Pipeline']?.Properties, tpl, {
      ...templateParameters(tpl, { Env: env }),
      'AWS::StackName': 'stack',
    }) as { Name: string; Project: string; Branch: string; Triggers: unknown };
  const prod = props('production');
  t.match(prod, { Name: 'stack-production', Project: 'Project', Branch: 'main' });
  t.same(prod.Triggers, [{ GitConfiguration: { Push: [{ Tags: { Includes: ['v*'], Excludes: ['v*-rc*'] } }] } }]);
  t.same(props('staging').Triggers, [{ GitConfiguration: { Push: [{ Tags: { Includes: ['v*-rc*'] } }] } }], 'NoValue drops the key');
  t.ok(pipelineStartsOn(prod.Triggers, 'v1.2.0'));
  t.notOk(pipelineStartsOn(prod.Triggers, 'v1.2.0-rc1'), 'an exclude wins');
  t.ok(pipelineStartsOn(props('staging').Triggers, 'v1.2.0-rc1'));
  t.notOk(tagFilterTakes({ Excludes: ['x'] }, 'v1'), 'no include takes nothing');
  t.throws(() => cfnEvaluate({ 'Fn::GetAtt': ['Project', 'Arn'] }, tpl, {}), /Fn::GetAtt is not evaluated here/);
  t.throws(() => cfnEvaluate({ Ref: 'Nope' }, tpl, {}), /Ref Nope/);
});

t.test('CodePipeline variables and VariableCheck rules', async (t) => {
  const vars = { 'BuildVariables.ROLLOUT_STATE': 'waiting', 'variables.Environment': 'production' };
  t.equal(resolvePipelineVariables('#{variables.Environment}/#{BuildVariables.ROLLOUT_STATE}', vars, 'x'), 'production/waiting');
  t.throws(() => resolvePipelineVariables('#{BuildVariables.NOPE}', vars, 'Resume'), /Resume: #\{BuildVariables.NOPE\} has no value/);
  const check = (Operator: string, Value: string) => variableCheck({ Variable: '#{BuildVariables.ROLLOUT_STATE}', Operator, Value }, vars);
  const checks = [check('EQ', 'waiting'), check('EQ', 'done'), check('NE', 'done'), check('CONTAINS', 'wait'), check('MATCHES', '^w.*g$')];
  t.same(checks, [true, false, true, true, true]);
  t.throws(() => check('GT', '1'), /operator GT/);
});
