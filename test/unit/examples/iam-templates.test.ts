// The IAM templates of examples/iam (and any CloudFormation template of examples/pipelines): valid
// templates (our structural validator, and the Python cfn-lint when installed), granting exactly the
// actions docs/rollouts.md "## IAM" lists, which in turn are exactly what the controller's and the
// agent's AWS calls need (found in their source: a new call fails here until templates and docs follow).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { agentUserPolicy } from '../../../controller/registration/policies.js';
import { allowed, grants, parseTemplate, policiesOf, validateTemplate } from './cfn-template.js';
import { IMPLIED, actionsOfTree, agentCommandOperations, documentedActions, talksToSandboxOnly } from './iam-actions.js';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const IAM_DIR = root('examples/iam');
const TEMPLATES = ['pipeline-role.yml', 'tenant-role.yml', 'cfn-deployment-role.yml', 'release-bucket.yml', 'device-role.yml'];
/** The Commands API heartbeat has no IAM action of its own (the docs say so). */
const NO_IAM_ACTION = new Set(['PostHostCommandUpdate']);
/** Allowed for every caller whatever its policies say. */
const NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

function cfnTemplates(): string[] {
  const iam = TEMPLATES.map((f) => `${IAM_DIR}/${f}`);
  const dir = root('examples/pipelines');
  const pipelines = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => `${dir}/${f}`)
        .filter((f) => /^AWSTemplateFormatVersion:/m.test(readFileSync(f, 'utf8')))
    : [];
  return [...iam, ...pipelines];
}

const template = (file: string): ReturnType<typeof parseTemplate> => parseTemplate(readFileSync(`${IAM_DIR}/${file}`, 'utf8'));
const docs = documentedActions(readFileSync(root('docs/rollouts.md'), 'utf8'), 'IAM');
const block = (...titles: string[]): Set<string> =>
  new Set(
    titles.flatMap((title) => {
      const b = docs.get(title);
      if (!b) throw new Error(`docs/rollouts.md ## IAM has no bullet **${title}**`);
      return [...b];
    }),
  );
const covered = (granted: Iterable<string>, action: string): boolean => [...granted].some((g) => grants(g, action));
const sorted = (s: Iterable<string>): string[] => [...s].sort();

t.test('the structural validator finds broken templates', async (t) => {
  const broken = parseTemplate(`AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Unused: { Type: String }
  Name: { Type: String }
Conditions:
  Never: !Equals [!Ref Name, x]
Resources:
  Role:
    Type: AWS::IAM::Rolle
    DependsOn: Nothing
    Properties:
      RoleName: !Sub '\${Name}-\${Missing}'
      Arn: !GetAtt Ghost.Arn
      Other: !If [NoSuchCondition, a, b]
  Bucket:
    Type: AWS::S3::Bucket
    Propertys: {}
Outputs:
  Out: { Value: !Ref Elsewhere }
`);
  t.same(sorted(validateTemplate(broken)), sorted([
    'resource Role: unknown type AWS::IAM::Rolle',
    'resource Role: DependsOn Nothing is no resource',
    'resource Bucket: unknown key Propertys',
    'Resources.Role: Missing is neither a parameter nor a resource',
    'Resources.Role: GetAtt of unknown resource Ghost',
    'Resources.Role: no condition NoSuchCondition',
    'Outputs.Out: Elsewhere is neither a parameter nor a resource',
    'parameter Unused is never used',
    'condition Never is never used',
  ]));
  t.throws(() => parseTemplate('Resources:\n  A: !Reff B\n'), 'an unknown tag is an error');
  t.same(parseTemplate("A: !GetAtt R.Arn\nB: !Sub ['${X}', {X: !Ref Y}]\n"), {
    A: { 'Fn::GetAtt': ['R', 'Arn'] },
    B: { 'Fn::Sub': ['${X}', { X: { Ref: 'Y' } }] },
  });
});

t.test('every CloudFormation template passes the structural validator', async (t) => {
  const files = cfnTemplates();
  t.ok(files.length >= TEMPLATES.length, `${files.length} template(s)`);
  for (const file of files) t.same(validateTemplate(parseTemplate(readFileSync(file, 'utf8'))), [], file);
});

t.test('every CloudFormation template passes the Python cfn-lint (no errors, no warnings)', async (t) => {
  const run = promisify(execFile);
  const missing = (e: NodeJS.ErrnoException): Promise<undefined> => (e.code === 'ENOENT' ? Promise.resolve(undefined) : Promise.reject(e));
  const version = await run('cfn-lint', ['--version']).catch(missing);
  if (!version) {
    t.comment('cfn-lint is not on PATH (pip install cfn-lint): only the structural validator checked the templates');
    return;
  }
  t.comment(version.stdout.trim());
  const files = cfnTemplates();
  // exit 2/4/8 when it finds something: the findings are on stdout all the same
  const findingsOnly = (e: { stdout?: string }): { stdout: string } => {
    if (typeof e.stdout !== 'string') throw e;
    return { stdout: e.stdout };
  };
  const out = await run('cfn-lint', ['--format', 'json', '--', ...files], { maxBuffer: 16 * 1024 * 1024 }).catch(findingsOnly);
  const findings = (JSON.parse(out.stdout || '[]') as { Filename: string; Rule: { Id: string }; Message: string }[])
    .map((f) => `${f.Filename}: ${f.Rule.Id} ${f.Message}`);
  t.same(findings, [], `${files.length} template(s)`);
});

t.test('each template grants exactly the actions docs/rollouts.md lists for it', async (t) => {
  const identity = (file: string): Set<string> => allowed(policiesOf(template(file)).filter((d) => d.kind === 'identity'));
  t.same(sorted(identity('pipeline-role.yml')), sorted(block('Pipeline role', 'Deploying', 'Gates', 'Registration')), 'pipeline role');
  t.same(sorted(identity('tenant-role.yml')), sorted(block('Tenant role', 'Deploying', 'Gates')), 'tenant role');
  t.same(sorted(identity('device-role.yml')), sorted(block('Device role')), 'device role');
  // the deployment role's own policy; the static website sample is "what the template's resources need"
  const cfn = policiesOf(template('cfn-deployment-role.yml')).filter((d) => d.kind === 'identity' && d.resource === 'CfnDeploymentRole');
  t.same(sorted(allowed(cfn)), sorted(block('CloudFormation deployment role')), 'CloudFormation deployment role');
  const bucket = policiesOf(template('release-bucket.yml'));
  t.same(sorted(allowed(bucket.filter((d) => d.kind === 'bucket'))), sorted(block('Release bucket policy')), 'bucket policy');
  const key = bucket
    .filter((d) => d.kind === 'key')
    .map((d) => ({ ...d, statements: d.statements.filter((s) => s.sid !== 'AccountAdministers') }));
  t.same(sorted(allowed(key)), sorted(block('Release key policy')), 'key policy (besides the account administering it)');
  const trust = (file: string): string[] => sorted(allowed(policiesOf(template(file)).filter((d) => d.kind === 'trust')));
  t.same(trust('tenant-role.yml'), ['sts:AssumeRole']);
  t.same(trust('device-role.yml'), ['sts:AssumeRole']);
  t.same(trust('pipeline-role.yml'), ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity']);
});

t.test("the pipeline and tenant roles cover every AWS call of the controller, and grant nothing else", async (t) => {
  const found = actionsOfTree(root('controller'), talksToSandboxOnly);
  t.same(found.problems, [], 'every SDK command maps to an IAM action');
  for (const file of found.skipped) t.comment(`not counted (sets up the in-process sandbox, never calls AWS): ${file}`);
  t.ok(found.actions.has('codedeploy:CreateDeployment') && found.actions.has('s3:PutObject'), 'the scan finds the calls');
  const granted = new Set([...block('Pipeline role', 'Deploying', 'Gates', 'Registration'), ...block('Tenant role')]);
  t.same(sorted([...found.actions].filter((a) => !covered(granted, a))), [], 'every call of the controller is granted');
  const needed = new Set([...found.actions, ...[...found.actions].flatMap((a) => IMPLIED[a] ?? [])]);
  t.same(sorted([...granted].filter((g) => ![...needed].some((a) => grants(g, a)))), [], 'nothing is granted that no call needs');
});

t.test("the device role covers the agent's calls, and grants nothing else", async (t) => {
  const client = readFileSync(root('agent/command/codedeploy-command-client.ts'), 'utf8');
  const operations = agentCommandOperations(client);
  t.ok(operations.includes('PollHostCommand'), 'the scan finds the Commands API operations');
  const documented = block('Device role');
  const text = readFileSync(root('docs/rollouts.md'), 'utf8');
  t.ok([...NO_IAM_ACTION].every((op) => text.includes(op)), 'the docs name the call with no IAM action');
  const found = actionsOfTree(root('agent'));
  t.same(found.problems, []);
  const commands = operations.filter((op) => !NO_IAM_ACTION.has(op)).map((op) => `codedeploy-commands-secure:${op}`);
  const agent = new Set([...commands, ...found.actions]);
  // the bundle is fetched by its version id when the revision names one
  if (/VersionId/.test(readFileSync(root('agent/revision/s3-bundle-fetcher.ts'), 'utf8'))) agent.add('s3:GetObjectVersion');
  for (const a of NO_PERMISSION) agent.delete(a);
  t.same(sorted([...agent].filter((a) => !covered(documented, a))), [], "every call of the agent is granted");
  const needed = new Set([...agent, ...[...agent].flatMap((a) => IMPLIED[a] ?? [])]);
  t.same(sorted([...documented].filter((g) => ![...needed].some((a) => grants(g, a)))), [], 'nothing else is granted');
  // the inline policy of devices with IAM users: the same actions
  const user = JSON.parse(agentUserPolicy('bucket')) as { Statement: { Action: string | string[] }[] };
  const userActions = user.Statement.flatMap((s) => [s.Action].flat());
  t.same(sorted(userActions), sorted([...documented]), 'fleetctl register --create-iam-user');
});
