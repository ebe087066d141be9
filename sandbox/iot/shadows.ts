// The sandbox's Device Shadow store: classic and named shadows per (account, region, thing), kept in
// the sandbox store (document "iotshadow", so they survive a restart with a state dir). Both the
// HTTPS data plane and the MQTT broker go through it, and every accepted update/delete is announced
// to onChange listeners, so an update over HTTPS is published on MQTT and vice versa.
import { silentLogger, type Logger } from '../../shared/log.js';
import type { Clock, SandboxStore } from '../types.js';
import { applyUpdate, deleteShadow, getDocument, type StoredShadow } from './shadow-document.js';
import { SHADOW_NAME, THING_NAME, ShadowError, getOwn, parseOptionalRequest, parseUpdateRequest, setOwn, type JsonObject } from './shadow-request.js';
import type { ShadowChange } from './types.js';

export interface ShadowRef {
  readonly accountId: string;
  readonly region: string;
  readonly thingName: string;
  /** undefined = the classic (unnamed) shadow. */
  readonly shadowName?: string;
}

export interface ShadowStore {
  /** The current document (GetThingShadow, …/get/accepted). Throws ShadowError (404 when absent). */
  get(ref: ShadowRef, payload?: Buffer | string): JsonObject;
  /** Apply a request state document; returns the …/update/accepted document. Throws ShadowError. */
  update(ref: ShadowRef, payload: Buffer | string): JsonObject;
  /** Delete (payload may carry clientToken/version); returns the …/delete/accepted document. */
  delete(ref: ShadowRef, payload?: Buffer | string): JsonObject;
  /** Names of the thing's named shadows that exist, sorted. */
  listNamed(accountId: string, region: string, thingName: string): string[];
  /** Called after every accepted update or delete, whichever protocol it came from. */
  onChange(listener: (change: ShadowChange) => void): () => void;
}

export interface ShadowStoreDeps {
  readonly store: SandboxStore;
  readonly clock?: Clock;
  readonly log?: Logger;
}

interface ThingShadows {
  classic?: StoredShadow;
  named?: Record<string, StoredShadow>;
}

interface ShadowDoc {
  things: Record<string, ThingShadows>;
}

export const SHADOW_SERVICE = 'iotshadow';

/** Validates the names of a shadow reference (400 InvalidRequest as AWS). */
export function checkShadowRef(ref: ShadowRef): void {
  if (!THING_NAME.test(ref.thingName)) throw new ShadowError(400, `Invalid thing name: '${ref.thingName}' (1-128 characters of a-z, A-Z, 0-9, ':', '_', '-')`);
  if (ref.shadowName !== undefined && !SHADOW_NAME.test(ref.shadowName)) {
    throw new ShadowError(400, `Invalid shadow name: '${ref.shadowName}' (1-64 characters of a-z, A-Z, 0-9, ':', '_', '-')`);
  }
}

export function createShadowStore(deps: ShadowStoreDeps): ShadowStore {
  const clock = deps.clock ?? { now: () => new Date() };
  const log = (deps.log ?? silentLogger()).child({ component: 'iot-shadows' });
  const listeners = new Set<(c: ShadowChange) => void>();
  const nowSeconds = (): number => Math.floor(clock.now().getTime() / 1000);
  const docOf = (accountId: string, region: string): ShadowDoc => deps.store.doc<ShadowDoc>(SHADOW_SERVICE, accountId, region, () => ({ things: {} }));

  function read(ref: ShadowRef): StoredShadow | undefined {
    const thing = getOwn(docOf(ref.accountId, ref.region).things, ref.thingName);
    return ref.shadowName === undefined ? thing?.classic : getOwn(thing?.named, ref.shadowName);
  }

  function write(ref: ShadowRef, shadow: StoredShadow): void {
    const things = docOf(ref.accountId, ref.region).things;
    let thing = getOwn(things, ref.thingName);
    if (!thing) {
      thing = {};
      setOwn(things, ref.thingName, thing);
    }
    if (ref.shadowName === undefined) thing.classic = shadow;
    else {
      thing.named ??= {};
      setOwn(thing.named, ref.shadowName, shadow);
    }
    deps.store.changed();
  }

  function emit(change: ShadowChange): void {
    for (const l of listeners) {
      try {
        l(change);
      } catch (err) {
        log.error({ err, thingName: change.thingName }, 'shadow change listener failed');
      }
    }
  }

  const base = (ref: ShadowRef): Pick<ShadowChange, 'accountId' | 'region' | 'thingName' | 'shadowName'> => ({
    accountId: ref.accountId,
    region: ref.region,
    thingName: ref.thingName,
    ...(ref.shadowName !== undefined ? { shadowName: ref.shadowName } : {}),
  });
  const displayName = (ref: ShadowRef): string => ref.shadowName ?? ref.thingName;

  return {
    get(ref, payload) {
      checkShadowRef(ref);
      const req = parseOptionalRequest(payload);
      return getDocument(read(ref), displayName(ref), nowSeconds(), req.clientToken);
    },
    update(ref, payload) {
      checkShadowRef(ref);
      const req = parseUpdateRequest(payload);
      const out = applyUpdate(read(ref), req, nowSeconds());
      write(ref, out.shadow);
      emit({ ...base(ref), accepted: out.accepted, documents: out.documents, ...(out.delta ? { delta: out.delta } : {}) });
      return out.accepted;
    },
    delete(ref, payload) {
      checkShadowRef(ref);
      const req = parseOptionalRequest(payload);
      const out = deleteShadow(read(ref), displayName(ref), req, nowSeconds());
      write(ref, out.shadow);
      emit({ ...base(ref), accepted: out.accepted, deleted: true });
      return out.accepted;
    },
    listNamed(accountId, region, thingName) {
      const named = getOwn(docOf(accountId, region).things, thingName)?.named ?? {};
      return Object.keys(named)
        .filter((n) => named[n]!.deletedAt === undefined)
        .sort();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
