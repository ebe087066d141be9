// Shared state of one parseAppSpec run: issues and warnings collected so far, and the plain-scalar text index.

import type { ErrorCode } from '../shared/errors.js';
import { describeRubyType, type RubyHash, type RubyValue } from './ruby-value.js';
import type { AppSpecIssue, AppSpecWarning } from './types.js';
import type { PlainTextIndex } from './yaml-load.js';

export class ParseContext {
  readonly issues: AppSpecIssue[] = [];
  readonly warnings: AppSpecWarning[] = [];

  constructor(private readonly plainText: PlainTextIndex) {}

  issue(code: ErrorCode, message: string, path: string): void {
    this.issues.push({ code, message, path });
  }

  warn(code: AppSpecWarning['code'], message: string, path: string): void {
    this.warnings.push({ code, message, path });
  }

  /** APPSPEC_INVALID_SHAPE for a value of the wrong type. */
  shape(path: string, expected: string, found: RubyValue | undefined): void {
    this.issue('APPSPEC_INVALID_SHAPE', `The AppSpec ${path} must be ${expected}, but it is ${describeRubyType(found)}.`, path);
  }

  /** The text as written of hash[key], when that value was an unquoted, untagged scalar. */
  plainTextOf(hash: RubyHash, key: string): string | undefined {
    return this.plainText.get(hash)?.get(key);
  }
}
