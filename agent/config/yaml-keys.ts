// Reads a YAML map the way both config files need it: keys with or without the Ruby leading
// colon are the same key, and when a key appears twice (in either spelling) the one written last wins.
import { isMap, isNode, isScalar, parseDocument } from 'yaml';

/** Throws the parser's error for bad YAML; returns undefined when the document is not a map. */
export function readYamlKeys(text: string): Record<string, unknown> | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  const first = doc.errors[0];
  if (first) throw first;
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) return undefined;
  const keys: Record<string, unknown> = {};
  for (const pair of doc.contents.items) {
    const rawKey = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const key = rawKey.replace(/^:/, '');
    delete keys[key];
    keys[key] = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
  }
  return keys;
}
