// Application sensors: a number the application writes to a file (e.g. the station's latest DHT11
// reading in readings.json) or prints from a command, optionally a field of a JSON document.
// Relative paths are resolved against the working directory (a hook's is the agent's).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ValueCheckSpec } from './check-specs.js';
import type { ToolRunner } from './gpio-cli.js';
import type { Reading } from './policy.js';

/** The number in `text`: the whole text, or the dotted `field` of a JSON document. Pure. */
export function extractNumber(text: string, field: string | undefined, what: string): Reading {
  if (field === undefined) {
    const t = text.trim();
    const n = t === '' ? NaN : Number(t);
    return Number.isFinite(n) ? { kind: 'number', value: n } : { kind: 'invalid', reason: `${what} is ${JSON.stringify(t.slice(0, 60))}, not a number` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', reason: `${what} is not JSON (${(e as Error).message})` };
  }
  let v: unknown = doc;
  for (const part of field.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  if (typeof v === 'number' && Number.isFinite(v)) return { kind: 'number', value: v };
  if (v === undefined || v === null) return { kind: 'invalid', reason: `${what} has no value for ${field} (the sensor gave no reading)` };
  return { kind: 'invalid', reason: `${what} field ${field} is ${JSON.stringify(v)}, not a number` };
}

export function readFileValue(spec: ValueCheckSpec, now: Date): Reading {
  const path = resolve(spec.source);
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { kind: 'error', reason: code === 'ENOENT' ? `no reading: ${path} does not exist (is the application running and its sensor answering?)` : `cannot read ${path}: ${(e as Error).message}` };
  }
  if (spec.maxAgeSeconds !== undefined) {
    const age = (now.getTime() - mtimeMs) / 1000;
    if (age > spec.maxAgeSeconds) return { kind: 'invalid', reason: `stale reading: ${path} was last written ${Math.round(age)} s ago (max_age_seconds ${spec.maxAgeSeconds})` };
  }
  return extractNumber(text, spec.field, path);
}

export async function runCommandValue(spec: ValueCheckSpec, run: ToolRunner): Promise<Reading> {
  const r = await run('/bin/sh', ['-c', spec.source], spec.timeoutSeconds * 1000);
  if (r.spawnError === 'ETIMEDOUT') return { kind: 'error', reason: `command did not finish within ${spec.timeoutSeconds} s: ${spec.source}` };
  if (r.spawnError) return { kind: 'error', reason: `command could not start (${r.spawnError}): ${spec.source}` };
  if (r.code !== 0) return { kind: 'error', reason: `command exited with ${r.code}: ${(r.stderr || r.stdout).trim().slice(-200) || spec.source}` };
  return extractNumber(r.stdout, spec.field, 'the command output');
}
