// Fleet inventories (CSV or YAML) → device specs, validated as a whole: every bad row is reported
// with its line, field and reason before anything touches AWS.
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { EdgeError } from '../../shared/errors.js';
import { readCsv } from './csv.js';
import {
  DEFAULT_IOT_POLICY,
  DEFAULT_ROLE_ALIAS,
  IAM_ROLE_ARN,
  IAM_SESSION_ARN,
  IAM_USER_ARN,
  THING_NAME,
  nameProblem,
  type DeviceSpec,
  type Identity,
  type InventoryProblem,
  type IotSettings,
  type Tag,
} from './model.js';
import { mergeTags, parseTagList, tagsProblem } from './tags.js';

export interface InventoryDefaults {
  readonly tags?: readonly Tag[];
  readonly identity?: Identity;
  readonly thingGroup?: string;
}

export interface Inventory {
  readonly devices: DeviceSpec[];
  /** IoT settings the inventory names (YAML `defaults.iot`). */
  readonly iot: Partial<IotSettings>;
  readonly problems: InventoryProblem[];
}

/** One row/entry before validation; values as written. */
interface RawDevice {
  readonly line: number;
  readonly name?: unknown;
  readonly tags?: unknown;
  readonly iam_session_arn?: unknown;
  readonly iam_user_arn?: unknown;
  readonly identity?: unknown;
  readonly thing_group?: unknown;
}

const COLUMNS = ['name', 'tags', 'iam_session_arn', 'iam_user_arn', 'identity', 'thing_group'] as const;
const IDENTITY_WORDS = ['iot', 'create-iam-user'];

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v.trim() || undefined : typeof v === 'number' ? String(v) : undefined);

function tagsFrom(v: unknown, separator: string): { tags: Tag[] } | { error: string } {
  if (v === undefined || v === null) return { tags: [] };
  if (typeof v === 'string') return parseTagList(v, separator);
  if (typeof v === 'object' && !Array.isArray(v)) {
    return { tags: Object.entries(v as Record<string, unknown>).map(([Key, Value]) => ({ Key, Value: Value === null || Value === undefined ? '' : String(Value) })) };
  }
  return { error: 'expected Key=Value pairs or a map of key to value' };
}

function identityFrom(raw: RawDevice, fallback: Identity | undefined, problem: (field: string, reason: string) => void): Identity | undefined {
  const given = (['iam_session_arn', 'iam_user_arn', 'identity'] as const).filter((k) => raw[k] !== undefined && raw[k] !== null && raw[k] !== '');
  if (given.length > 1) {
    problem(given[1] as string, `give only one of iam_session_arn, iam_user_arn, identity (this row has ${given.join(' and ')})`);
    return undefined;
  }
  const field = given[0];
  if (field === undefined) {
    if (!fallback) problem('identity', 'no identity: give iam_session_arn, iam_user_arn, or identity (iot | create-iam-user)');
    return fallback;
  }
  const value = str(raw[field]);
  if (value === undefined) {
    problem(field, 'expected a string');
    return undefined;
  }
  if (field === 'iam_session_arn') {
    if (!IAM_SESSION_ARN.test(value)) problem(field, `'${value}' is not an IAM session ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)`);
    return { mode: 'iam-session', arn: value };
  }
  if (field === 'iam_user_arn') {
    if (!IAM_USER_ARN.test(value)) problem(field, `'${value}' is not an IAM user ARN (arn:aws:iam::<account>:user/<name>)`);
    return { mode: 'iam-user', arn: value };
  }
  if (!IDENTITY_WORDS.includes(value)) {
    problem(field, `'${value}' is not iot or create-iam-user`);
    return undefined;
  }
  return value === 'iot' ? { mode: 'iot' } : { mode: 'create-iam-user' };
}

/** Validates raw devices into specs; problems carry the inventory line. */
export function validateDevices(raws: readonly RawDevice[], defaults: InventoryDefaults, tagSeparator: string): { devices: DeviceSpec[]; problems: InventoryProblem[] } {
  const problems: InventoryProblem[] = [];
  const devices: DeviceSpec[] = [];
  const names = new Map<string, number>();
  const arns = new Map<string, number>();
  for (const raw of raws) {
    const problem = (field: string, reason: string): void => void problems.push({ line: raw.line, field, reason });
    const before = problems.length;
    const name = str(raw.name);
    const identity = identityFrom(raw, defaults.identity, problem);
    if (name === undefined) problem('name', 'missing');
    else {
      const why = nameProblem(name, identity?.mode ?? 'iam-session');
      if (why) problem('name', `'${name}' ${why}`);
      const first = names.get(name);
      if (first !== undefined) problem('name', `'${name}' is also on line ${first}`);
      else names.set(name, raw.line);
    }
    const parsed = tagsFrom(raw.tags, tagSeparator);
    let tags: Tag[] = [];
    if ('error' in parsed) problem('tags', parsed.error);
    else {
      tags = mergeTags(defaults.tags ?? [], parsed.tags);
      const why = tagsProblem(tags);
      if (why) problem('tags', why);
    }
    if (identity && 'arn' in identity) {
      const first = arns.get(identity.arn);
      if (first !== undefined) problem(identity.mode === 'iam-user' ? 'iam_user_arn' : 'iam_session_arn', `${identity.arn} is also on line ${first}: each device needs its own identity`);
      else arns.set(identity.arn, raw.line);
    }
    const thingGroup = str(raw.thing_group) ?? defaults.thingGroup;
    if (thingGroup !== undefined) {
      if (!THING_NAME.test(thingGroup)) problem('thing_group', `'${thingGroup}' may hold only letters, digits and : _ -`);
      else if (identity && identity.mode !== 'iot' && str(raw.thing_group) !== undefined) problem('thing_group', 'only devices with identity iot join a thing group');
    }
    if (problems.length === before && name !== undefined && identity) {
      devices.push({ name, tags, identity, line: raw.line, ...(thingGroup !== undefined && identity.mode === 'iot' ? { thingGroup } : {}) });
    }
  }
  return { devices, problems };
}

export function parseCsvInventory(text: string, defaults: InventoryDefaults): Inventory {
  const read = readCsv(text);
  if ('error' in read) return { devices: [], iot: {}, problems: [{ line: read.line, field: '-', reason: read.error }] };
  const [header, ...rows] = read.records;
  if (!header) return { devices: [], iot: {}, problems: [{ line: 1, field: '-', reason: `empty file: expected a header row (${COLUMNS.join(',')})` }] };
  const cols = header.fields.map((f) => f.trim().toLowerCase());
  const problems: InventoryProblem[] = [];
  cols.forEach((c) => {
    if (!(COLUMNS as readonly string[]).includes(c)) problems.push({ line: header.line, field: c, reason: `unknown column (known: ${COLUMNS.join(', ')})` });
  });
  if (!cols.includes('name')) problems.push({ line: header.line, field: 'name', reason: 'the header has no name column' });
  if (problems.length > 0) return { devices: [], iot: {}, problems };
  const raws = rows.map((r): RawDevice => {
    const o: Record<string, unknown> = { line: r.line };
    cols.forEach((c, i) => {
      const v = r.fields[i];
      if (v !== undefined && v.trim() !== '') o[c] = v;
    });
    if (r.fields.length > cols.length) o['extra'] = true;
    return o as unknown as RawDevice;
  });
  const extra = raws.filter((r) => (r as unknown as Record<string, unknown>)['extra']).map((r) => ({ line: r.line, field: '-', reason: `more fields than the header's ${cols.length} columns (quote values holding commas)` }));
  const v = validateDevices(raws, defaults, ';');
  return { devices: v.devices, iot: {}, problems: [...extra, ...v.problems].sort((a, b) => a.line - b.line) };
}

function plain(node: unknown): unknown {
  return node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node;
}

export function parseYamlInventory(text: string, cliDefaults: InventoryDefaults): Inventory {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const lineOf = (n: Node | null | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 1);
  if (doc.errors.length > 0) {
    return { devices: [], iot: {}, problems: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, field: '-', reason: `not valid YAML: ${e.message.split('\n')[0]}` })) };
  }
  const problems: InventoryProblem[] = [];
  const root = doc.contents;
  if (!isMap(root)) return { devices: [], iot: {}, problems: [{ line: 1, field: '-', reason: 'expected a map with devices: (a list) and optional defaults:' }] };
  for (const item of root.items) {
    const k = String(plain(item.key));
    if (k !== 'devices' && k !== 'defaults') problems.push({ line: lineOf(item.key as Node), field: k, reason: 'unknown key (known: defaults, devices)' });
  }
  const defaultsNode = root.get('defaults', true) as Node | undefined;
  const d = (plain(defaultsNode) ?? {}) as Record<string, unknown>;
  const defaultsLine = lineOf(defaultsNode);
  let defaults: InventoryDefaults = cliDefaults;
  const iot: { roleArn?: string; roleAlias?: string; policyName?: string } = {};
  if (typeof d !== 'object' || Array.isArray(d)) problems.push({ line: defaultsLine, field: 'defaults', reason: 'expected a map' });
  else {
    for (const k of Object.keys(d)) {
      if (!['tags', 'identity', 'iam_session_arn', 'iam_user_arn', 'thing_group', 'iot'].includes(k)) problems.push({ line: defaultsLine, field: `defaults.${k}`, reason: 'unknown key (known: tags, identity, thing_group, iot)' });
    }
    if (d['iam_session_arn'] !== undefined || d['iam_user_arn'] !== undefined) problems.push({ line: defaultsLine, field: 'defaults', reason: 'an IAM ARN identifies one device: put it on the device, not in defaults' });
    const t = tagsFrom(d['tags'], ',');
    if ('error' in t) problems.push({ line: defaultsLine, field: 'defaults.tags', reason: t.error });
    const id = d['identity'] === undefined ? undefined : identityFrom({ line: defaultsLine, identity: d['identity'] }, undefined, (field, reason) => problems.push({ line: defaultsLine, field: `defaults.${field}`, reason }));
    defaults = { tags: mergeTags(cliDefaults.tags ?? [], 'tags' in t ? t.tags : []), ...(id ?? cliDefaults.identity ? { identity: id ?? cliDefaults.identity } : {}), ...(str(d['thing_group']) ?? cliDefaults.thingGroup ? { thingGroup: str(d['thing_group']) ?? cliDefaults.thingGroup } : {}) };
    const i = (d['iot'] ?? {}) as Record<string, unknown>;
    const roleArn = str(i['role_arn']);
    if (roleArn !== undefined) {
      if (!IAM_ROLE_ARN.test(roleArn)) problems.push({ line: defaultsLine, field: 'defaults.iot.role_arn', reason: `'${roleArn}' is not an IAM role ARN` });
      iot.roleArn = roleArn;
    }
    if (str(i['role_alias'])) iot.roleAlias = str(i['role_alias']);
    if (str(i['policy_name'])) iot.policyName = str(i['policy_name']);
    for (const k of Object.keys(i)) if (!['role_arn', 'role_alias', 'policy_name'].includes(k)) problems.push({ line: defaultsLine, field: `defaults.iot.${k}`, reason: 'unknown key (known: role_arn, role_alias, policy_name)' });
  }
  const devicesNode = root.get('devices', true);
  if (!isSeq(devicesNode)) return { devices: [], iot, problems: [...problems, { line: lineOf(devicesNode as Node | undefined), field: 'devices', reason: 'expected a list of devices' }] };
  const raws: RawDevice[] = [];
  for (const item of devicesNode.items) {
    const line = lineOf(item as Node);
    const v = plain(item);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ line, field: '-', reason: 'expected a map with name, tags and an identity' });
      continue;
    }
    for (const k of Object.keys(v)) if (!(COLUMNS as readonly string[]).includes(k)) problems.push({ line, field: k, reason: `unknown key (known: ${COLUMNS.join(', ')})` });
    raws.push({ ...(v as Record<string, unknown>), line });
  }
  const valid = validateDevices(raws, defaults, ',');
  return { devices: valid.devices, iot, problems: [...problems, ...valid.problems].sort((a, b) => a.line - b.line) };
}

export function parseInventory(text: string, source: string, defaults: InventoryDefaults): Inventory {
  return /\.csv$/i.test(source) ? parseCsvInventory(text, defaults) : parseYamlInventory(text, defaults);
}

export function iotSettings(fromInventory: Partial<IotSettings>, fromFlags: Partial<IotSettings>): IotSettings {
  return {
    roleAlias: fromFlags.roleAlias ?? fromInventory.roleAlias ?? DEFAULT_ROLE_ALIAS,
    policyName: fromFlags.policyName ?? fromInventory.policyName ?? DEFAULT_IOT_POLICY,
    ...(fromFlags.roleArn ?? fromInventory.roleArn ? { roleArn: fromFlags.roleArn ?? fromInventory.roleArn } : {}),
  };
}

/** Throws FLEET_INVENTORY_INVALID (exit 2) listing every problem as `source:line: field: reason`. */
export function assertInventoryValid(problems: readonly InventoryProblem[], source: string): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${source}:${p.line}: ${p.field}: ${p.reason}`).join('\n');
  const message = `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${source} (nothing was changed):\n${lines}`;
  throw new EdgeError('FLEET_INVENTORY_INVALID', message, { details: { problems } });
}
