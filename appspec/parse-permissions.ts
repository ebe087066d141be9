// The `permissions` section (official: ApplicationSpecification#parse_permissions, LinuxPermissionInfo, ModeInfo,
// AclInfo/AceInfo, ContextInfo/RangeInfo). Every problem is collected; an entry with a problem is left out.

import { parseAce } from './acl.js';
import { APPSPEC_MESSAGES } from './messages.js';
import { parseMode } from './mode.js';
import type { ParseContext } from './parse-context.js';
import { isRubyHash, rubyInspect, rubyStrip, rubyToS, rubyTruthy, type RubyHash, type RubyValue } from './ruby-value.js';
import { formatSelinuxRange, parseSelinuxRange } from './selinux-range.js';
import type { AclEntry, AppSpecPermission, PermissionObjectType, SelinuxContext } from './types.js';

const SUPPORTED_TYPES: readonly PermissionObjectType[] = ['file', 'directory'];

export function parsePermissions(ctx: ParseContext, raw: RubyValue | undefined, os: string | undefined): AppSpecPermission[] {
  if (!rubyTruthy(raw)) return [];
  if (!Array.isArray(raw)) {
    ctx.shape('permissions', 'a list of permission maps', raw);
    return [];
  }
  const out: AppSpecPermission[] = [];
  let windowsReported = false;
  raw.forEach((entry, i) => {
    const path = `permissions[${i}]`;
    if (!isRubyHash(entry)) {
      ctx.shape(path, 'a map', entry);
      return;
    }
    const before = ctx.issues.length;
    const objectRaw = entry.get('object');
    if (objectRaw === undefined || objectRaw === null) ctx.issue('APPSPEC_PERMISSION_NO_OBJECT', APPSPEC_MESSAGES.permissionNoObject(), `${path}.object`);
    if (os === 'windows') {
      if (!windowsReported) ctx.issue('APPSPEC_PERMISSION_WINDOWS', APPSPEC_MESSAGES.permissionWindows(), 'permissions');
      windowsReported = true;
      return;
    }
    const permission = parseFields(ctx, entry, path);
    const object = rubyStrip(rubyToS(objectRaw));
    if (objectRaw !== undefined && objectRaw !== null && object === '') {
      ctx.issue('APPSPEC_PERMISSION_NO_OBJECT', APPSPEC_MESSAGES.permissionNoObject(), `${path}.object`);
    }
    if (ctx.issues.length === before) out.push({ object, ...permission });
  });
  return out;
}

function parseFields(ctx: ParseContext, entry: RubyHash, path: string): Omit<AppSpecPermission, 'object'> {
  const patternRaw = entry.get('pattern');
  const pattern = rubyTruthy(patternRaw) ? rubyToS(patternRaw) : '**';
  const except = stringList(ctx, entry.get('except'), `${path}.except`);
  const types = parseTypes(ctx, entry.get('type'), `${path}.type`);
  const owner = optionalString(entry.get('owner'));
  const group = optionalString(entry.get('group'));

  let mode: string | undefined;
  const modeRaw = entry.get('mode');
  if (modeRaw !== undefined && modeRaw !== null) {
    const result = parseMode(modeRaw, ctx.plainTextOf(entry, 'mode'));
    if (result.issue) ctx.issue(result.issue.code, result.issue.message, `${path}.mode`);
    if (result.warning !== undefined) ctx.warn('MODE_OCTAL_LITERAL', result.warning, `${path}.mode`);
    mode = result.mode;
  }
  const acls = parseAcls(ctx, entry.get('acls'), `${path}.acls`);
  const context = parseContext(ctx, entry.get('context'), `${path}.context`);
  return {
    pattern,
    except,
    types,
    ...(owner === undefined ? {} : { owner }),
    ...(group === undefined ? {} : { group }),
    ...(mode === undefined ? {} : { mode }),
    ...(acls === undefined ? {} : { acls }),
    ...(context === undefined ? {} : { context }),
  };
}

function optionalString(v: RubyValue | undefined): string | undefined {
  return v === undefined || v === null || v === false ? undefined : rubyToS(v);
}

function stringList(ctx: ParseContext, raw: RubyValue | undefined, path: string): string[] {
  if (!rubyTruthy(raw)) return [];
  if (!Array.isArray(raw)) {
    ctx.shape(path, 'a list', raw);
    return [];
  }
  return raw.map((v) => rubyToS(v));
}

function parseTypes(ctx: ParseContext, raw: RubyValue | undefined, path: string): PermissionObjectType[] {
  if (!rubyTruthy(raw)) return [...SUPPORTED_TYPES];
  if (!Array.isArray(raw)) {
    ctx.shape(path, 'a list of file and/or directory', raw);
    return [];
  }
  const types: PermissionObjectType[] = [];
  raw.forEach((t, i) => {
    if (t === 'file' || t === 'directory') types.push(t);
    else ctx.issue('APPSPEC_PERMISSION_BAD_TYPE', APPSPEC_MESSAGES.permissionBadType(rubyToS(t)), `${path}[${i}]`);
  });
  return types;
}

function parseAcls(ctx: ParseContext, raw: RubyValue | undefined, path: string): AclEntry[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    ctx.shape(path, 'a list of ACL entries', raw);
    return undefined;
  }
  const entries: AclEntry[] = [];
  raw.forEach((ace, i) => {
    const result = parseAce(rubyToS(ace));
    if (result.ok) entries.push(result.entry);
    else ctx.issue(result.issue.code, result.issue.message, `${path}[${i}]`);
  });
  return entries;
}

function parseContext(ctx: ParseContext, raw: RubyValue | undefined, path: string): SelinuxContext | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRubyHash(raw)) {
    ctx.shape(path, 'a map with name, type and range', raw);
    return undefined;
  }
  const typeRaw = raw.get('type');
  if (typeRaw === undefined || typeRaw === null) {
    ctx.issue('APPSPEC_CONTEXT_TYPE', APPSPEC_MESSAGES.contextType(rubyInspect(raw)), `${path}.type`);
  }
  const user = optionalString(raw.get('name'));
  const rangeRaw = raw.get('range');
  let range: string | undefined;
  if (rangeRaw !== undefined && rangeRaw !== null) {
    const result = parseSelinuxRange(rubyToS(rangeRaw));
    if (result.ok) range = formatSelinuxRange(result.range);
    else ctx.issue(result.issue.code, result.issue.message, `${path}.range`);
  }
  return {
    ...(user === undefined ? {} : { user }),
    type: rubyToS(typeRaw ?? null),
    ...(range === undefined ? {} : { range }),
  };
}
