// The shape of one health sample, shared by the probes, the policy, the gate, the LED, the
// `edge-agent health` command and the IoT telemetry.

export type HealthVerdict = 'healthy' | 'degraded' | 'unhealthy';

/** ok: within thresholds; warn: degraded; fail: unhealthy; error: the probe could not read. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'error';

export interface HealthCheckResult {
  /** Configured check name, e.g. cpu_temperature, gpio_fan, dht11_humidity. */
  readonly name: string;
  readonly status: CheckStatus;
  /** The reading, when there is one. */
  readonly value?: number | boolean | string;
  readonly unit?: string;
  /** Why the check is not ok, in words an operator can act on. */
  readonly reason?: string;
}

export interface HealthReport {
  readonly verdict: HealthVerdict;
  readonly checks: readonly HealthCheckResult[];
  /** ISO-8601 time the sample was taken. */
  readonly sampledAt: string;
}

/** A configured check that was not run because its source does not exist on this device. */
export interface SkippedCheck {
  readonly name: string;
  readonly reason: string;
}

/** Slow-changing facts about the device, read once per sampler and cached. */
export interface DeviceInfo {
  readonly hostname: string;
  readonly platform: string;
  readonly distro?: string;
  readonly kernel?: string;
  readonly arch: string;
  /** Raspberry Pi model from the device tree, when there is one. */
  readonly model?: string;
  /** IPv4 addresses of the non-internal interfaces, e.g. { eth0: '192.168.1.20' }. */
  readonly ip4: Readonly<Record<string, string>>;
}

/** HealthReport plus the optional parts the sampler adds (all optional: plain HealthReports stay valid). */
export interface HealthSample extends HealthReport {
  /** Checks skipped on this device (e.g. throttling flags on a machine that is not a Pi). */
  readonly skipped?: readonly SkippedCheck[];
  readonly device?: DeviceInfo;
  /** Milliseconds the sample took (wall time). */
  readonly durationMs?: number;
}
