// fleetctl validate: check a revision before it is released to a fleet. Beyond AppSpec syntax it
// checks what would fail on every device: missing hook scripts, scripts without the executable
// bit, files sources that are not in the revision, hook names the agent does not run.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, relative, isAbsolute } from 'node:path';
import { HOOK_EVENTS, parseAppSpec } from '../../appspec/index.js';

export const VALIDATE_SCHEMA_VERSION = 1;

export interface ValidateFinding {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly path?: string;
}

export interface ValidateReport {
  readonly schemaVersion: number;
  readonly appspec: string;
  readonly valid: boolean;
  readonly findings: readonly ValidateFinding[];
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

export function validateBundle(path: string, appspecFilename: string): ValidateReport {
  const isDir = statSync(path).isDirectory();
  const root = isDir ? resolve(path) : undefined;
  const appspecPath = isDir ? [appspecFilename, 'appspec.yaml', 'appspec.yml'].map((n) => join(path, n)).find((p) => existsSync(p)) : path;
  if (!appspecPath) {
    return { schemaVersion: VALIDATE_SCHEMA_VERSION, appspec: join(path, appspecFilename), valid: false, findings: [{ severity: 'error', code: 'APPSPEC_NOT_FOUND', message: `no ${appspecFilename}, appspec.yaml or appspec.yml in ${path}` }] };
  }
  const result = parseAppSpec(readFileSync(appspecPath, 'utf8'));
  const findings: ValidateFinding[] = result.warnings.map((w) => ({ severity: 'warning', code: w.code, message: w.message, ...(w.path ? { path: w.path } : {}) }));
  if (!result.ok) {
    findings.push(...result.issues.map((i) => ({ severity: 'error' as const, code: i.code, message: i.message, ...(i.path ? { path: i.path } : {}) })));
  } else if (root) {
    const spec = result.appspec;
    for (const [event, scripts] of Object.entries(spec.hooks)) {
      if (!(HOOK_EVENTS as readonly string[]).includes(event)) {
        findings.push({ severity: 'warning', code: 'HOOK_EVENT_CUSTOM', message: `hook ${event} is not a lifecycle event the agent runs in fleet deployments (only with edge-agent deploy -e)`, path: `hooks.${event}` });
      }
      scripts.forEach((s, i) => {
        const p = resolve(root, s.location);
        const where = `hooks.${event}[${i}].location`;
        if (!inside(root, p) || !existsSync(p)) findings.push({ severity: 'error', code: 'HOOK_SCRIPT_MISSING', message: `Script does not exist at specified location: ${s.location}`, path: where });
        else {
          try {
            accessSync(p, constants.X_OK);
            if ((statSync(p).mode & 0o111) === 0) throw new Error('no x bit');
          } catch {
            findings.push({ severity: 'warning', code: 'HOOK_SCRIPT_NOT_EXECUTABLE', message: `${s.location} is not executable; the agent will try chmod +x on each device`, path: where });
          }
        }
      });
    }
    spec.files.forEach((f, i) => {
      const p = f.source === '/' ? root : resolve(root, f.source.replace(/^\/+/, ''));
      if (!inside(root, p) || !existsSync(p)) findings.push({ severity: 'error', code: 'INSTALL_SOURCE_MISSING', message: `files source ${f.source} is not in the revision`, path: `files[${i}].source` });
    });
  }
  return { schemaVersion: VALIDATE_SCHEMA_VERSION, appspec: appspecPath, valid: !findings.some((f) => f.severity === 'error'), findings };
}

export function validateBundleCommand(path: string, opts: { appspecFilename: string; json: boolean }): { code: number; output: string } {
  if (!existsSync(path)) return { code: 2, output: `ERROR: ${path} does not exist\n` };
  const report = validateBundle(path, opts.appspecFilename);
  if (opts.json) return { code: report.valid ? 0 : 1, output: `${JSON.stringify(report, null, 2)}\n` };
  const lines = [`${report.appspec}: ${report.valid ? 'valid' : 'INVALID'}`];
  for (const f of report.findings) lines.push(`  ${f.severity} ${f.code}${f.path ? ` at ${f.path}` : ''}: ${f.message}`);
  return { code: report.valid ? 0 : 1, output: `${lines.join('\n')}\n` };
}
