// The IAM actions the code needs, found in the source, and the ones docs/rollouts.md "## IAM" lists:
// so the templates in examples/iam, the docs and the code cannot drift apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The IAM prefix of each SDK client (`@aws-sdk/client-x`, or the agent's `vendor/client-x.js` re-export). */
const PREFIX: Readonly<Record<string, string>> = {
  'client-codedeploy': 'codedeploy',
  'client-cloudformation': 'cloudformation',
  'client-cloudwatch': 'cloudwatch',
  'client-iam': 'iam',
  'client-iot': 'iot',
  'client-iot-data-plane': 'iot',
  'client-s3': 's3',
  'client-sts': 'sts',
};

/** Operations whose IAM action is not `<prefix>:<Operation>` (service authorization reference). */
const OPERATION_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  's3:HeadObject': ['s3:GetObject'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
};

/** What AWS checks besides an action, for the calls the code makes (the docs say why, per role). */
export const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  'codedeploy:CreateDeployment': ['codedeploy:GetApplicationRevision', 'codedeploy:GetDeploymentConfig'],
  'codedeploy:CreateDeploymentGroup': ['iam:PassRole'],
  'cloudformation:CreateChangeSet': ['iam:PassRole'],
  'iot:CreateRoleAlias': ['iam:PassRole'],
  // SSE-KMS objects
  's3:PutObject': ['kms:GenerateDataKey', 'kms:Decrypt'],
  's3:GetObject': ['kms:Decrypt'],
};

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The SDK commands a source file sends, as IAM actions: `new XxxCommand(` of an imported client package. */
export function actionsOfSource(text: string, file: string): { actions: string[]; problems: string[] } {
  const importedFrom = new Map<string, string>();
  const note = (names: string, module: string): void => {
    const client = /(?:^|\/)(client-[a-z0-9-]+?)(?:\.js)?$/.exec(module)?.[1] ?? module;
    for (const name of names.split(',')) importedFrom.set(name.trim().replace(/^type\s+/, '').split(/\s+as\s+|\s*:\s*/)[0] ?? '', client);
  };
  // static imports, and the lazy `const { XClient, XCommand } = await import('...')` of the agent
  for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) note(m[1] ?? '', m[2] ?? '');
  for (const m of text.matchAll(/\{([^}]*)\}\s*=\s*await\s*\(?[^;]*?import\('([^']+)'\)/g)) note(m[1] ?? '', m[2] ?? '');
  const actions: string[] = [];
  const problems: string[] = [];
  for (const m of text.matchAll(/new (\w+)Command\(/g)) {
    const command = `${m[1] ?? ''}Command`;
    const client = importedFrom.get(command);
    const prefix = client ? PREFIX[client] : undefined;
    if (!prefix) {
      problems.push(`${file}: ${command} comes from ${client ?? 'an unknown module'}, which has no IAM prefix here`);
      continue;
    }
    const op = `${prefix}:${m[1] ?? ''}`;
    actions.push(...(OPERATION_ACTIONS[op] ?? [op]));
  }
  // @aws-sdk/lib-storage Upload: multipart or single PUT; aborts the upload when a part fails
  const upload = /new Upload\(/.test(text) && importedFrom.get('Upload') === '@aws-sdk/lib-storage';
  if (upload) actions.push('s3:PutObject', 's3:AbortMultipartUpload');
  return { actions, problems };
}

/** A file that starts the in-process sandbox and sets it up plays AWS's part: its calls never reach AWS. */
export const talksToSandboxOnly = (text: string): boolean => /from '[^']*sandbox\/sandbox\.js'/.test(text);

/** The actions every file under `dir` needs (but the files `skip` names, listed in `skipped`). */
export function actionsOfTree(
  dir: string,
  skip: (text: string) => boolean = () => false,
): { actions: Set<string>; problems: string[]; skipped: string[] } {
  const actions = new Set<string>();
  const problems: string[] = [];
  const skipped: string[] = [];
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    if (skip(text)) {
      skipped.push(file);
      continue;
    }
    const r = actionsOfSource(text, file);
    for (const a of r.actions) actions.add(a);
    problems.push(...r.problems);
  }
  return { actions, problems, skipped };
}

/** The Commands API operations the agent's client declares (its `type Operation = '...' | ...`). */
export function agentCommandOperations(clientSource: string): string[] {
  const m = /type Operation =([^;]+);/.exec(clientSource);
  return m ? [...(m[1] ?? '').matchAll(/'(\w+)'/g)].map((x) => x[1] ?? '') : [];
}

/** The back-quoted actions of each `- **Title**` bullet of the markdown section `## heading`. */
export function documentedActions(markdown: string, heading: string): Map<string, Set<string>> {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ## ${heading}`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const blocks = new Map<string, Set<string>>();
  for (const bullet of section.split(/\n- /).slice(1)) {
    const title = /^\*\*([^*]+)\*\*/.exec(bullet)?.[1];
    if (!title) continue;
    const actions = [...bullet.matchAll(/`([a-z0-9-]+:[A-Za-z0-9*]+)`/g)].map((x) => x[1] ?? '');
    blocks.set(title, new Set(actions));
  }
  return blocks;
}
