// The local ledger: what only this machine knows about device secrets. An append-only JSON-lines
// file (0600) next to the bundles; each event is appended (one write) the moment it happens, so a
// killed run leaves a ledger the next run can trust. Never holds a secret, only ids and ARNs.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/fs-atomic.js';
import { EMPTY_LEDGER_ENTRY, type LedgerEntry } from './register-plan.js';

export type LedgerEvent =
  | {
      readonly device: string;
      /** retiring: about to be torn down (deregister); pending again until deleted, so a cut-short teardown is finished later. */
      readonly event: 'certificate-created' | 'certificate-bundled' | 'certificate-retiring' | 'certificate-deleted';
      readonly certificateArn: string;
    }
  | { readonly device: string; readonly event: 'access-key-created' | 'access-key-bundled' | 'access-key-deleted'; readonly accessKeyId: string }
  | { readonly device: string; readonly event: 'forgotten' };

export const LEDGER_FILE = '.fleetctl-ledger.jsonl';

type Kind = { readonly bundled: 'bundledCertificateArn' | 'bundledAccessKeyId'; readonly pending: 'pendingCertificateArns' | 'pendingAccessKeyIds' };
const CERT: Kind = { bundled: 'bundledCertificateArn', pending: 'pendingCertificateArns' };
const KEY: Kind = { bundled: 'bundledAccessKeyId', pending: 'pendingAccessKeyIds' };

type Life = 'created' | 'bundled' | 'retiring' | 'deleted';

/** One secret's life: created (pending) → bundled (its secret is in the bundle) → [retiring (pending)] → deleted. */
function step(entry: LedgerEntry, kind: Kind, id: string, what: Life): LedgerEntry {
  const pending = entry[kind.pending].filter((x) => x !== id);
  const out: Record<string, unknown> = { ...entry, [kind.pending]: what === 'created' || what === 'retiring' ? [...pending, id] : pending };
  if (what === 'bundled') out[kind.bundled] = id;
  if ((what === 'deleted' || what === 'retiring') && entry[kind.bundled] === id) delete out[kind.bundled];
  return out as unknown as LedgerEntry;
}

export function applyEvent(entry: LedgerEntry, e: LedgerEvent): LedgerEntry {
  if (e.event === 'forgotten') return EMPTY_LEDGER_ENTRY;
  const [thing, what] = e.event.startsWith('certificate-') ? ([CERT, e.event.slice('certificate-'.length)] as const) : ([KEY, e.event.slice('access-key-'.length)] as const);
  const id = 'certificateArn' in e ? e.certificateArn : e.accessKeyId;
  return step(entry, thing, id, what as Life);
}

export interface Ledger {
  entry(device: string): LedgerEntry;
  record(e: LedgerEvent): void;
  /** Rewrites the file as one line per device (drops history). */
  compact(): void;
}

export function openLedger(path: string): Ledger {
  const entries = new Map<string, LedgerEntry>();
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let e: LedgerEvent | { device: string; state: LedgerEntry };
      try {
        e = JSON.parse(line) as LedgerEvent | { device: string; state: LedgerEntry };
      } catch {
        continue; // a line cut short by a kill: the event did not complete
      }
      if ('state' in e) entries.set(e.device, e.state);
      else entries.set(e.device, applyEvent(entries.get(e.device) ?? EMPTY_LEDGER_ENTRY, e));
    }
  }
  return {
    entry: (device) => entries.get(device) ?? EMPTY_LEDGER_ENTRY,
    record(e) {
      appendFileSync(path, `${JSON.stringify(e)}\n`, { mode: 0o600 });
      entries.set(e.device, applyEvent(entries.get(e.device) ?? EMPTY_LEDGER_ENTRY, e));
    },
    compact() {
      const lines = [...entries].filter(([, s]) => s !== EMPTY_LEDGER_ENTRY && (s.bundledAccessKeyId || s.bundledCertificateArn || s.pendingAccessKeyIds.length > 0 || s.pendingCertificateArns.length > 0));
      writeFileAtomic(path, lines.map(([device, state]) => `${JSON.stringify({ device, state })}\n`).join(''), { mode: 0o600 });
    },
  };
}
