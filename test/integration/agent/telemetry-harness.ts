// Shared by the telemetry tests: a sandbox with a provisioned IoT device whose certificate files
// are on disk (key 0600), the agent config text with an iot: section for it, the real telemetry
// service built from that config (telemetryFromConfig, so the real SDK client is used), a log that
// tests can read, and the device shadow read back over HTTPS (@aws-sdk/client-iot-data-plane).
import type { Test } from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { IoTClient } from '@aws-sdk/client-iot';
import { createLogger, type Logger } from '../../../shared/log.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { parseOnPremisesConfig } from '../../../agent/config/onprem-config.js';
import type { HealthReport } from '../../../agent/health/types.js';
import { telemetryFromConfig } from '../../../agent/telemetry/telemetry-from-config.js';
import type { TelemetryService } from '../../../agent/telemetry/telemetry-service.js';
import { AGENT_VERSION } from '../../../agent/version.js';
import type { Sandbox } from '../../../sandbox/sandbox.js';
import { provisionDevice, startIotSandbox, type Device } from '../sandbox/iot-harness.js';

export { startIotSandbox };

/** Files of a device certificate written as the installer would (key 0600). */
export function writeDeviceFiles(dir: string, sb: Sandbox, d: Pick<Device, 'certificatePem' | 'privateKeyPem'>): { cert: string; key: string; ca: string } {
  const files = { cert: join(dir, 'device.pem.crt'), key: join(dir, 'private.pem.key'), ca: join(dir, 'iot-ca.pem') };
  writeFileSync(files.cert, d.certificatePem);
  writeFileSync(files.key, d.privateKeyPem, { mode: 0o600 });
  chmodSync(files.key, 0o600);
  writeFileSync(files.ca, sb.iot.caPem);
  return files;
}

export async function deviceWithFiles(iot: IoTClient, sb: Sandbox, dir: string, thingName: string): Promise<{ device: Device; files: ReturnType<typeof writeDeviceFiles> }> {
  const device = await provisionDevice(iot, thingName);
  return { device, files: writeDeviceFiles(dir, sb, device) };
}

/** The agent config's iot: section (schedule far away: tests call tick()). */
export function iotSectionYaml(sb: Sandbox, thingName: string, files: { cert: string; key: string; ca: string }, extra: Record<string, string | number> = {}): string {
  const keys: Record<string, string | number> = {
    endpoint: sb.iot.dataEndpoint,
    thing_name: thingName,
    certificate_file: files.cert,
    private_key_file: files.key,
    ca_file: files.ca,
    schedule: "'0 0 1 1 *'",
    reconnect_min_seconds: 1,
    reconnect_max_seconds: 2,
    ack_timeout_seconds: 10,
    ...extra,
  };
  return `iot:\n${Object.entries(keys).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`;
}

export interface LogLines {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
}

export function captureLog(): LogLines {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ name: 'test', level: 'debug', destination }), lines };
}

/** A health port the test steers: the next sample is whatever `set` gave last. */
export function steeredHealth(): { sample: () => Promise<HealthReport>; set: (checks: HealthReport['checks'], verdict?: HealthReport['verdict']) => void } {
  let report: HealthReport = { verdict: 'healthy', checks: [{ name: 'cpu_temperature', status: 'ok', value: 48.21, unit: '°C' }], sampledAt: new Date().toISOString() };
  return {
    sample: async () => ({ ...report, sampledAt: new Date().toISOString() }),
    set: (checks, verdict = 'healthy') => (report = { verdict, checks, sampledAt: report.sampledAt }),
  };
}

export async function buildTelemetry(opts: { sb: Sandbox; rootDir: string; yaml: string; log: Logger; sampleHealth: () => Promise<HealthReport> }): Promise<TelemetryService> {
  const { config } = parseAgentConfig(`root_dir: ${opts.rootDir}\n${opts.yaml}`, 'agent.yml');
  const { config: onprem } = parseOnPremisesConfig(`region: ${opts.sb.region}\niam_user_arn: arn:aws:iam::111111111111:user/rpi\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: x\n`, 'onprem.yml');
  const service = await telemetryFromConfig({
    config,
    onprem,
    rootDir: opts.rootDir,
    log: opts.log,
    agentVersion: AGENT_VERSION,
    hostIdentifier: 'arn:aws:iam::111111111111:user/rpi',
    sampleHealth: opts.sampleHealth,
    deployment: () => undefined,
  });
  if (!service) throw new Error('the config has no enabled iot section');
  return service;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function readShadow(sb: Sandbox, thingName: string): Promise<{ reported: Record<string, unknown>; version: number }> {
  const client = new IoTDataPlaneClient({ endpoint: sb.url, region: sb.region, credentials: { accessKeyId: sb.root.accessKeyId, secretAccessKey: sb.root.secretAccessKey }, maxAttempts: 1 });
  const out = await client.send(new GetThingShadowCommand({ thingName }));
  const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { state: { reported?: Record<string, unknown> }; version: number };
  return { reported: doc.state.reported ?? {}, version: doc.version };
}

/** The MQTT5 client keeps node alive ~8 s after close: end the test process explicitly. */
export function exitAfterTests(t: Test): void {
  t.teardown(() => {
    setTimeout(() => process.exit(), 50);
  });
}
