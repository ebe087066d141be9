// permissions[].mode, as the official ModeInfo checks it: to_s, left-padded with 0 to 3 characters, at most 4
// characters, octal digits only. One deliberate difference: an unquoted mode with a leading zero (0644) is a YAML
// 1.1 octal number (420) to Psych, and the official agent then applies mode "420". We take the digits as written
// ("0644") and warn (MODE_OCTAL_LITERAL) when the official agent would have done something else.

import { APPSPEC_MESSAGES } from './messages.js';
import { OCTAL_LITERAL } from './psych-scalar.js';
import { rubyToS, type RubyValue } from './ruby-value.js';
import type { AppSpecIssue } from './types.js';

export interface ModeParseResult {
  readonly mode?: string;
  readonly issue?: AppSpecIssue;
  /** Set when the official agent would have read the value differently (MODE_OCTAL_LITERAL). */
  readonly warning?: string;
}

function checkMode(text: string): { mode: string } | { issue: AppSpecIssue } {
  let chars = Array.from(text);
  while (chars.length < 3) chars = ['0', ...chars];
  const mode = chars.join('');
  if (chars.length > 4) return { issue: { code: 'APPSPEC_MODE_LENGTH', message: APPSPEC_MESSAGES.modeLength(mode) } };
  const bad = chars.find((c) => c < '0' || c > '7' || c.length !== 1);
  if (bad !== undefined) return { issue: { code: 'APPSPEC_MODE_CHARACTER', message: APPSPEC_MESSAGES.modeCharacter(mode, bad) } };
  return { mode };
}

/**
 * @param raw the value Psych produced
 * @param plainText the scalar as written when it was unquoted and untagged (from the YAML source)
 */
export function parseMode(raw: RubyValue, plainText: string | undefined): ModeParseResult {
  const octalLiteral = plainText !== undefined && typeof raw === 'bigint' && OCTAL_LITERAL.test(plainText);
  const ours = checkMode(octalLiteral ? (plainText as string) : rubyToS(raw));
  if (!octalLiteral) return 'issue' in ours ? { issue: ours.issue } : { mode: ours.mode };

  const official = checkMode(rubyToS(raw));
  const same = 'mode' in ours && 'mode' in official && parseInt(ours.mode, 8) === parseInt(official.mode, 8);
  const warning = same
    ? undefined
    : `mode ${plainText} is read as written (${plainText}). The official CodeDeploy agent reads an unquoted ${plainText} as the YAML 1.1 octal number ${rubyToS(raw)} and ${
        'mode' in official ? `would apply mode ${official.mode}` : 'would reject it'
      }. Quote the mode (mode: "${plainText}") or drop the leading zero to avoid the ambiguity.`;
  const base = 'issue' in ours ? { issue: ours.issue } : { mode: ours.mode };
  return warning === undefined ? base : { ...base, warning };
}
