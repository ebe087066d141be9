// YAML.load as the official agent runs it (Ruby Psych, YAML 1.1 typing), on top of the `yaml` package.
// The `yaml` package only parses (failsafe schema: every scalar stays text); typing is Psych's, see psych-scalar.ts.
// - Only the first document of a stream is read (Psych.load stops there).
// - Duplicate keys are allowed, last one wins; `<<` merge keys follow Psych's revive_hash.
// - Quoted and block scalars are strings; `!!str` forces a string, `!!float` a Float; other tags are ignored.
// - An alias is the same object as its anchor (so alias-built structures stay a small graph, never expanded).
// Never throws: every failure is an APPSPEC_YAML_SYNTAX issue with a line and column.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { resolvePlainScalar } from './psych-scalar.js';
import type { RubyHash, RubyValue } from './ruby-value.js';
import type { AppSpecIssue } from './types.js';

/** For map entries whose value was a plain (unquoted, untagged) scalar: the text as written, by map and key. */
export type PlainTextIndex = WeakMap<RubyHash, Map<RubyValue, string>>;

export type YamlLoadResult =
  | { readonly ok: true; readonly value: RubyValue; readonly plainText: PlainTextIndex }
  | { readonly ok: false; readonly issues: readonly AppSpecIssue[] };

interface YamlErrorLike {
  readonly message: string;
  readonly pos?: readonly [number, number];
}

class AliasError extends Error {
  constructor(readonly source: string, readonly offset: number) {
    super(`an alias refers to an unknown anchor (*${source})`);
  }
}

const STR_TAGS = new Set(['tag:yaml.org,2002:str', '!str']);
const FLOAT_TAGS = new Set(['tag:yaml.org,2002:float', '!float']);

export function loadYaml(text: string): YamlLoadResult {
  const lineCounter = new LineCounter();
  const syntaxIssue = (detail: string, offset: number | undefined): AppSpecIssue => {
    const where = offset === undefined ? '' : ` at line ${lineCounter.linePos(offset).line}, column ${lineCounter.linePos(offset).col}`;
    return { code: 'APPSPEC_YAML_SYNTAX', message: `The AppSpec file is not valid YAML or JSON: ${detail}${where}.` };
  };
  try {
    const docs = parseAllDocuments(text, {
      schema: 'failsafe', version: '1.1', uniqueKeys: false, merge: false, prettyErrors: false, lineCounter,
    });
    const errors: readonly YamlErrorLike[] = 'empty' in docs ? docs.errors : (docs[0]?.errors ?? []);
    if (errors.length > 0) {
      return { ok: false, issues: errors.map((e) => syntaxIssue(e.message.replace(/\.$/, ''), e.pos?.[0])) };
    }
    const first = 'empty' in docs ? undefined : docs[0];
    const plainText: PlainTextIndex = new WeakMap();
    const value = first ? new Converter(plainText).convert(first.contents as Node | null) : null;
    return { ok: true, value, plainText };
  } catch (e) {
    if (e instanceof AliasError) return { ok: false, issues: [syntaxIssue(e.message, e.offset)] };
    const detail = e instanceof RangeError ? 'the document is nested too deeply' : `it could not be read (${String(e)})`;
    return { ok: false, issues: [syntaxIssue(detail, undefined)] };
  }
}

class Converter {
  private readonly anchors = new Map<string, RubyValue>();

  constructor(private readonly plainText: PlainTextIndex) {}

  convert(node: Node | null | undefined): RubyValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      if (!this.anchors.has(node.source)) throw new AliasError(node.source, node.range?.[0] ?? 0);
      return this.anchors.get(node.source) ?? null;
    }
    if (isScalar(node)) {
      const value = this.scalar(node.value, node.type, node.tag);
      if (node.anchor) this.anchors.set(node.anchor, value);
      return value;
    }
    if (isSeq(node)) {
      const arr: RubyValue[] = [];
      if (node.anchor) this.anchors.set(node.anchor, arr);
      for (const item of node.items) arr.push(isPair(item) ? this.pairsToHash([item]) : this.convert(item as Node | null));
      return arr;
    }
    if (isMap(node)) {
      const hash: RubyHash = new Map();
      if (node.anchor) this.anchors.set(node.anchor, hash);
      this.fillHash(hash, node.items);
      return hash;
    }
    return null;
  }

  private pairsToHash(pairs: readonly { key: unknown; value: unknown }[]): RubyHash {
    const hash: RubyHash = new Map();
    this.fillHash(hash, pairs);
    return hash;
  }

  /** Psych's revive_hash: keys in order, last wins; `<<` (not tagged !!str) merges a map or a list of maps. */
  private fillHash(hash: RubyHash, pairs: readonly { key: unknown; value: unknown }[]): void {
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      const key = this.convert(keyNode);
      const value = this.convert(valueNode);
      const mergeKey = key === '<<' && !(isScalar(keyNode) && keyNode.tag !== undefined && STR_TAGS.has(keyNode.tag));
      if (mergeKey && (isMap(valueNode) || isAlias(valueNode)) && value instanceof Map) {
        this.merge(hash, value);
      } else if (mergeKey && isSeq(valueNode) && Array.isArray(value) && value.every((v) => v instanceof Map)) {
        const merged: RubyHash = new Map();
        for (const part of [...value].reverse()) this.merge(merged, part as RubyHash);
        this.merge(hash, merged);
      } else {
        hash.set(key, value);
        const text = this.plainTextOf(valueNode);
        if (text !== undefined) this.textIndex(hash).set(key, text);
        else this.plainText.get(hash)?.delete(key);
      }
    }
  }

  private merge(into: RubyHash, from: RubyHash): void {
    const texts = this.plainText.get(from);
    for (const [k, v] of from) {
      into.set(k, v);
      const text = texts?.get(k);
      if (text !== undefined) this.textIndex(into).set(k, text);
      else this.plainText.get(into)?.delete(k);
    }
  }

  private textIndex(hash: RubyHash): Map<RubyValue, string> {
    let index = this.plainText.get(hash);
    if (!index) {
      index = new Map();
      this.plainText.set(hash, index);
    }
    return index;
  }

  private plainTextOf(node: Node | null): string | undefined {
    if (!isScalar(node) || node.type !== 'PLAIN' || node.tag !== undefined) return undefined;
    return typeof node.value === 'string' ? node.value : undefined;
  }

  private scalar(raw: unknown, type: string | undefined, tag: string | undefined): RubyValue {
    const text = typeof raw === 'string' ? raw : String(raw ?? '');
    if (type !== 'PLAIN' && type !== undefined) return text;
    if (tag !== undefined && STR_TAGS.has(tag)) return text;
    const value = resolvePlainScalar(text);
    if (tag !== undefined && FLOAT_TAGS.has(tag)) {
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'number') return value;
    }
    return value;
  }
}
