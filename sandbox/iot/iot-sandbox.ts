// The sandbox's IoT side, composed: the IoT CA, the control plane (`iot`), the shadow store and the
// HTTPS data plane (`iotdata`), the MQTT broker and the credentials provider, each TLS listener on
// its own loopback port. startSandbox() starts it before the HTTP core and closes it after.
import { silentLogger, type Logger } from '../../shared/log.js';
import type { Clock, CredentialRegistry, SandboxStore, ServiceHandler } from '../types.js';
import { startCredentialsProvider } from './credentials-provider.js';
import { createDeviceRoleAssumer } from './device-role.js';
import { createIotCa } from './iot-ca.js';
import { createIotDataService } from './iot-data-service.js';
import { createIotDirectory, createIotService, type IotEndpointAddresses } from './iot-service.js';
import { startIotBroker, type IotBroker } from './mqtt-broker.js';
import { createShadowStore, type ShadowStore } from './shadows.js';
import type { IotDirectory } from './types.js';

export interface IotSideOptions {
  readonly store: SandboxStore;
  readonly credentials: CredentialRegistry;
  /** Persist the IoT CA here (iot-ca.pem, iot-ca-key.pem). */
  readonly dir?: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 = any free port. */
  readonly mqttPort: number;
  /** 0 = any free port. */
  readonly credentialsProviderPort: number;
  /** The sandbox config's AssumeRole policy, applied to role aliases too. */
  readonly allowAssume?: (accountId: string, roleName: string) => boolean;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** What a Sandbox tells its users about IoT. */
export interface SandboxIot {
  /** PEM of the IoT CA: device certificates chain to it; the MQTT broker and credentials provider present certificates it signed. */
  readonly caPem: string;
  /** host:port of the MQTT broker (mutual TLS): DescribeEndpoint iot:Data-ATS. */
  readonly dataEndpoint: string;
  /** host:port of the credentials provider (mutual TLS HTTPS): DescribeEndpoint iot:CredentialProvider. */
  readonly credentialsEndpoint: string;
  readonly directory: IotDirectory;
  /** The MQTT broker (suspend()/resume() simulate an outage). */
  readonly broker: IotBroker;
}

export interface IotSide {
  readonly info: SandboxIot;
  /** `<dir>/iot-ca.pem` when persisted. */
  readonly caPath?: string;
  readonly handlers: { readonly iot: ServiceHandler; readonly iotdata: ServiceHandler };
  /** The Device Shadow store (virtual hosts write their reports here). */
  readonly shadows: ShadowStore;
  close(): Promise<void>;
}

/** A listener that could not bind says which port it wanted and how the port was chosen. */
function portInUse(what: string, port: number): (e: unknown) => never {
  return (e) => {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    throw new Error(
      `port ${port}, wanted by ${what}, is in use: with a base port the sandbox also takes base+1 (MQTT) and base+2 (credentials provider); choose another base port or set mqttPort/credentialsProviderPort`,
      { cause: e },
    );
  };
}

export async function startIotSide(opts: IotSideOptions): Promise<IotSide> {
  const log = opts.log ?? silentLogger();
  const host = opts.host ?? '127.0.0.1';
  const ca = await createIotCa(opts.dir ? { dir: opts.dir } : {});
  const tls = { caPem: ca.caPem, certPem: ca.server.certPem, keyPem: ca.server.keyPem };
  // The listeners look things up in the registry; the control plane is created once they listen
  // (DescribeEndpoint reports their ports).
  const directory = createIotDirectory(opts.store);
  const shadows = createShadowStore({ store: opts.store, log, ...(opts.clock ? { clock: opts.clock } : {}) });
  const broker = await startIotBroker({ host, port: opts.mqttPort, tls, directory, shadows, log, ...(opts.clock ? { clock: opts.clock } : {}) }).catch(
    portInUse('the IoT MQTT broker', opts.mqttPort),
  );
  let provider;
  try {
    provider = await startCredentialsProvider({
      host,
      port: opts.credentialsProviderPort,
      tls,
      directory,
      assumeRole: createDeviceRoleAssumer({ credentials: opts.credentials, ...(opts.allowAssume ? { allowAssume: opts.allowAssume } : {}), ...(opts.clock ? { clock: opts.clock } : {}) }),
      log,
    }).catch(portInUse('the IoT credentials provider', opts.credentialsProviderPort));
  } catch (e) {
    await broker.close();
    throw e;
  }
  const hostPort = (port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const endpoints: IotEndpointAddresses = { data: hostPort(broker.port), credentials: provider.endpoint };
  const iot = createIotService({ store: opts.store, ca, ...(opts.clock ? { clock: opts.clock } : {}), endpoints: () => endpoints });
  const iotdata = createIotDataService({ shadows, publish: (m) => broker.publish(m), ...(opts.clock ? { clock: opts.clock } : {}) });
  const credentialsProvider = provider;
  return {
    info: { caPem: ca.caPem, dataEndpoint: endpoints.data, credentialsEndpoint: endpoints.credentials, directory, broker },
    ...(ca.caPath ? { caPath: ca.caPath } : {}),
    handlers: { iot, iotdata },
    shadows,
    async close() {
      await Promise.all([broker.close(), credentialsProvider.close()]);
    },
  };
}
