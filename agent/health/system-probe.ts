// System readings: CPU temperature, CPU load, available memory, free disk on the deployment root's
// filesystem, uptime, Raspberry Pi throttling flags, and (cached) device facts.
// Cost per sample (see scripts/bench-health.ts): systeminformation's currentLoad waits ~500 ms on
// its first call, so it is primed when the probe is created; mem() reads /proc; osInfo() and
// networkInterfaces() spawn many processes, so device facts come from osInfo() once and from
// os.networkInterfaces(). Temperature and throttling are read from sysfs (under sysRoot) where the
// kernel has them, and only otherwise from systeminformation / vcgencmd, whose absence is cached.
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { arch, hostname, networkInterfaces, platform } from 'node:os';
import { dirname, join } from 'node:path';
import type * as SystemInformationModule from 'systeminformation';
import { commonJsExports } from '../../shared/commonjs.js';
import type { ToolRunner } from './gpio-cli.js';
import type { Reading } from './policy.js';
import type { DeviceInfo } from './types.js';

type SystemInformation = typeof SystemInformationModule;


export interface SystemProbeDeps {
  readonly sysRoot: string;
  readonly run: ToolRunner;
  /** Loads systeminformation (lazily: `edge-agent health --check gpio` never needs it). */
  readonly loadSi?: () => Promise<SystemInformation>;
}

const MiB = 1024 * 1024;
const size = (bytes: number): string => (bytes >= 1024 * MiB ? `${(bytes / 1024 / MiB).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`);
const errorOf = (what: string, e: unknown): Reading => ({ kind: 'error', reason: `${what}: ${(e as Error).message}` });

/** Parses "throttled=0x50005" (vcgencmd) or "50005" (sysfs get_throttled, hex without prefix). */
export function parseThrottled(text: string): number | undefined {
  const m = /(?:throttled=)?(0x)?([0-9a-fA-F]+)\s*$/.exec(text.trim());
  return m ? parseInt(m[2] as string, 16) : undefined;
}

export class SystemProbe {
  private si: Promise<SystemInformation> | undefined;
  private loadPrimed: Promise<unknown> | undefined;
  private siTemperatureMissing = false;
  private vcgencmdMissing = false;
  private os: Promise<{ distro?: string; kernel?: string }> | undefined;

  constructor(private readonly deps: SystemProbeDeps) {}

  private loadSi(): Promise<SystemInformation> {
    this.si ??= (this.deps.loadSi ?? (async () => commonJsExports(await import('systeminformation'))))();
    return this.si;
  }

  /** Starts currentLoad's first (slow) measurement so later samples are instant. */
  prime(): void {
    this.loadPrimed ??= this.loadSi().then((si) => si.currentLoad()).catch(() => undefined);
  }

  /** The CPU thermal zone under sysRoot: one whose type names the CPU/SoC, else zone 0. */
  private thermalZone(): string | undefined {
    const dir = join(this.deps.sysRoot, 'sys', 'class', 'thermal');
    let zones: string[];
    try {
      zones = readdirSync(dir).filter((z) => z.startsWith('thermal_zone')).sort();
    } catch {
      return undefined;
    }
    const typeOf = (z: string): string => {
      try {
        return readFileSync(join(dir, z, 'type'), 'utf8');
      } catch {
        return '';
      }
    };
    const zone = zones.find((z) => /cpu|soc|x86_pkg/i.test(typeOf(z))) ?? zones[0];
    return zone ? join(dir, zone, 'temp') : undefined;
  }

  async cpuTemperature(): Promise<Reading> {
    const zone = this.thermalZone();
    if (zone) {
      try {
        const milli = Number(readFileSync(zone, 'utf8').trim());
        if (Number.isFinite(milli)) return { kind: 'number', value: milli / 1000 };
      } catch (e) {
        return errorOf(`reading ${zone}`, e);
      }
    }
    if (this.deps.sysRoot === '/' && !this.siTemperatureMissing) {
      const t = await (await this.loadSi()).cpuTemperature();
      if (typeof t.main === 'number') return { kind: 'number', value: t.main };
      this.siTemperatureMissing = true;
    }
    return { kind: 'unavailable', reason: 'no CPU temperature sensor on this machine (no thermal zone in sysfs)' };
  }

  async cpuLoad(): Promise<Reading> {
    this.prime();
    await this.loadPrimed;
    const l = await (await this.loadSi()).currentLoad();
    return { kind: 'number', value: l.currentLoad, detail: `load average ${l.avgLoad} per core` };
  }

  async memoryAvailable(): Promise<Reading> {
    const m = await (await this.loadSi()).mem();
    if (!m.total) return { kind: 'unavailable', reason: 'total memory is unknown' };
    return { kind: 'number', value: (m.available / m.total) * 100, detail: `${size(m.available)} of ${size(m.total)} available` };
  }

  /** Free space for unprivileged users on the filesystem holding `path` (or its nearest existing parent). */
  async diskFree(path: string): Promise<Reading> {
    let p = path;
    for (;;) {
      try {
        const s = statfsSync(p);
        const total = s.blocks * s.bsize;
        if (total === 0) return { kind: 'unavailable', reason: `the filesystem of ${p} reports no size` };
        const free = s.bavail * s.bsize;
        return { kind: 'number', value: (free / total) * 100, detail: `${size(free)} free of ${size(total)} on the filesystem of ${p}` };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) return errorOf(`statfs ${p}`, e);
        p = dirname(p);
      }
    }
  }

  async uptime(): Promise<Reading> {
    return { kind: 'number', value: (await this.loadSi()).time().uptime };
  }

  async throttling(): Promise<Reading> {
    const file = join(this.deps.sysRoot, 'sys', 'devices', 'platform', 'soc', 'soc:firmware', 'get_throttled');
    try {
      const bits = parseThrottled(readFileSync(file, 'utf8'));
      if (bits !== undefined) return { kind: 'throttling', bits };
      return { kind: 'error', reason: `${file} does not hold a hexadecimal number` };
    } catch {
      // not there: ask the firmware through vcgencmd
    }
    if (!this.vcgencmdMissing) {
      const r = await this.deps.run('vcgencmd', ['get_throttled'], 5000);
      const bits = r.code === 0 ? parseThrottled(r.stdout) : undefined;
      if (bits !== undefined) return { kind: 'throttling', bits };
      if (r.spawnError === 'ENOENT') this.vcgencmdMissing = true;
      else return { kind: 'error', reason: `vcgencmd get_throttled failed (${r.spawnError ?? `exit ${r.code}`}): ${(r.stderr || r.stdout).trim().slice(0, 200)}` };
    }
    return { kind: 'unavailable', reason: 'no throttling flags: not a Raspberry Pi (no vcgencmd, no get_throttled in sysfs)' };
  }

  /** Device facts; osInfo() runs once per probe. */
  async deviceInfo(): Promise<DeviceInfo> {
    this.os ??= this.loadSi()
      .then((si) => si.osInfo())
      .then((o) => ({ distro: `${o.distro} ${o.release}`.trim(), kernel: o.kernel }))
      .catch(() => ({}));
    const os = await this.os;
    const ip4: Record<string, string> = {};
    for (const [name, addrs] of Object.entries(networkInterfaces())) {
      const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
      if (a) ip4[name] = a.address;
    }
    let model: string | undefined;
    try {
      model = readFileSync(join(this.deps.sysRoot, 'proc', 'device-tree', 'model'), 'utf8').replace(/\0/g, '').trim() || undefined;
    } catch {
      model = undefined;
    }
    return { hostname: hostname(), platform: platform(), arch: arch(), ip4, ...os, ...(model ? { model } : {}) };
  }
}
