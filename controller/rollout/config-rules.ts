// Value rules for the rollout config: each returns a reason when a value is bad, else undefined.
// The limits are AWS's own (names, ARNs, tags), so a bad config fails here and not halfway
// through a rollout. Pure.

type Rule = (v: string) => string | undefined;

const hasControl = (v: string): boolean => [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export const accountRule: Rule = (v) =>
  /^\d{12}$/.test(v) ? undefined : /^\d{1,11}$/.test(v) ? `expected 12 digits, got ${v} (quote account ids in YAML: a leading 0 is lost otherwise)` : `expected a 12-digit account id, got ${JSON.stringify(v)}`;

export const regionRule: Rule = (v) => (/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(v) ? undefined : `expected a region such as eu-west-1, got ${JSON.stringify(v)}`);

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
export const roleArnRule: Rule = (v) => (ROLE_ARN.test(v) ? undefined : `expected a role ARN such as arn:aws:iam::123456789012:role/name, got ${JSON.stringify(v)}`);
export const accountOfRoleArn = (arn: string): string | undefined => ROLE_ARN.exec(arn)?.[1];

export const externalIdRule: Rule = (v) =>
  v.length >= 2 && v.length <= 1224 && /^[\w+=,.@:/-]+$/.test(v) ? undefined : 'expected 2 to 1,224 characters of letters, digits and +=,.@:/-_';

export const codedeployNameRule: Rule = (v) =>
  v.length >= 1 && v.length <= 100 && /^[\w.+-]+$/.test(v) ? undefined : 'expected 1 to 100 characters of letters, digits and ._+-';

export const stackNameRule: Rule = (v) =>
  /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(v) ? undefined : 'expected a stack name: a letter, then up to 127 letters, digits or hyphens';

export const bucketRule: Rule = (v) =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) && !v.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(v)
    ? undefined
    : 'expected an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens';

export const targetNameRule: Rule = (v) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v) ? undefined : 'expected a name of up to 64 letters, digits and ._- (starting with a letter or digit)';

export const environmentNameRule: Rule = (v) => (/^[a-z0-9][a-z0-9-]{0,31}$/.test(v) ? undefined : 'expected a lower-case name of up to 32 letters, digits and hyphens');

export const tagRule = (key: string, value: string): string | undefined =>
  key.length < 1 || key.length > 128 ? 'tag keys are 1 to 128 characters' : value.length > 256 ? 'tag values are at most 256 characters' : undefined;

/** Key prefixes: no leading slash, no `..` or empty segments, no control characters. */
export const prefixRule: Rule = (v) => {
  if (v === '') return undefined;
  if (v.startsWith('/')) return 'a key prefix does not start with /';
  if (hasControl(v)) return 'a key prefix may not hold control characters';
  if (v.split('/').some((s, i, all) => s === '..' || s === '.' || (s === '' && i < all.length - 1))) return 'a key prefix may not hold empty, . or .. segments';
  return undefined;
};

/** Release versions become S3 keys and deployment descriptions: keep them plain. */
export const versionRule: Rule = (v) =>
  /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(v) ? undefined : `a release version is 1 to 128 letters, digits and ._+- starting with a letter or digit, got ${JSON.stringify(v)}`;

export const globRule: Rule = (v) => (v.length >= 1 && v.length <= 255 && !hasControl(v) ? undefined : 'expected a pattern of 1 to 255 characters');

export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;

/** `3`, or `10%`: how many failed targets a wave tolerates. */
export function parseFailureBudget(v: string): { count: number } | { percent: number } | string {
  const percent = /^(\d{1,3}(?:\.\d+)?)\s*%$/.exec(v);
  if (percent) {
    const p = Number(percent[1]);
    return p <= 100 ? { percent: p } : 'a percentage is at most 100%';
  }
  return /^\d{1,6}$/.test(v) ? { count: Number(v) } : `expected a count (e.g. 2) or a percentage (e.g. 10%), got ${JSON.stringify(v)}`;
}

export function parsePositiveInt(v: string, max = 10_000): number | string {
  return /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max ? Number(v) : `expected a whole number from 1 to ${max}, got ${JSON.stringify(v)}`;
}
