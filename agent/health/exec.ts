// Runs the probes' helper programs (gpioget, gpiodetect, vcgencmd, configured sensor commands)
// with a timeout, on the PATH of the environment given.
import { execFile } from 'node:child_process';
import type { ToolRunner } from './gpio-cli.js';

export function toolRunner(env: NodeJS.ProcessEnv): ToolRunner {
  return (file, args, timeoutMs = 10_000) =>
    new Promise((resolve) => {
      execFile(file, [...args], { env, timeout: timeoutMs, maxBuffer: 1 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e && typeof e.code === 'string') resolve({ code: null, stdout: String(stdout), stderr: String(stderr), spawnError: e.code });
        else if (e?.killed) resolve({ code: null, stdout: String(stdout), stderr: String(stderr), spawnError: 'ETIMEDOUT' });
        else resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}
