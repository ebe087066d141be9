// What the pool asks of an adapter: build one service's port for a region, a credentials source and
// an endpoint. The SDK adapter (sdk-adapter.ts) and the test fakes (test/fakes/aws) both provide it,
// so the pool, its limits, retries and assumed-role sessions are the same code in tests and in use.
import type { PortOf, Service, SessionCredentials } from './ports.js';

/** Called before requests; cache inside (the pool's role sessions do). */
export type CredentialProvider = () => Promise<SessionCredentials>;

export interface ClientSpec {
  readonly region: string;
  /** Absent: the adapter's default credentials (the SDK's chain, or the profile the root chose). */
  readonly credentials?: CredentialProvider;
  /** Endpoint URL override for this service (sandbox, VPC endpoint, the iot:Data-ATS endpoint). */
  readonly endpoint?: string;
}

export interface BuiltPort<T> {
  readonly port: T;
  /** Release sockets. */
  destroy(): void;
}

export type PortFactory = { readonly [S in Service]: (spec: ClientSpec) => BuiltPort<PortOf<S>> } & {
  /** Releases what its ports share (the SDK adapter's connections); the pool that owns the factory calls it last. */
  readonly destroy?: () => void;
};
