// Shared helpers for the appspec tests.
import { parseAppSpec } from '../../../appspec/index.js';
import type { AppSpec, AppSpecIssue, AppSpecWarning, ParseResult } from '../../../appspec/index.js';

export const HEADER = 'version: 0.0\nos: linux\n';

/** A document with the standard header followed by `body`. */
export const withHeader = (body: string): string => HEADER + body;

export function issues(text: string): readonly AppSpecIssue[] {
  const r = parseAppSpec(text);
  return r.ok ? [] : r.issues;
}

export function warnings(text: string): readonly AppSpecWarning[] {
  return parseAppSpec(text).warnings;
}

/** Parse and insist on success (the test fails with the issues otherwise). */
export function parsed(text: string): AppSpec {
  const r: ParseResult = parseAppSpec(text);
  if (!r.ok) throw new Error(`expected a valid AppSpec, got: ${JSON.stringify(r.issues)}`);
  return r.appspec;
}

/** A permissions section with one entry made of the given YAML lines (already indented by 4). */
export const permission = (lines: string): string => withHeader(`permissions:\n  - object: test/\n${lines}`);
