// fleetctl validate: check a revision before it is released to a fleet. Beyond AppSpec syntax it
// checks what would fail on every device: missing hook scripts, scripts without the executable
// bit, files sources that are not in the revision, hook names the agent does not run.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, relative, isAbsolute } from 'node:path';
import { HOOK_EVENTS, parseAppSpec } from '../../appspec/index.js';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { ExitCode } from '../../shared/cli/exit-codes.js';
import { EdgeError } from '../../shared/errors.js';

export const VALIDATE_SCHEMA_VERSION = 1;

export interface ValidateFinding {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly path?: string;
}

export interface ValidateReport {
  readonly appspec: string;
  readonly valid: boolean;
  readonly findings: readonly ValidateFinding[];
}

/** A custom event is valid AppSpec, but no standard deployment runs it: say what does. */
export function customEventMessage(event: string): string {
  return (
    `hook ${event} is a custom lifecycle event: valid, but it runs only with edge-agent deploy -e <events> naming it ` +
    `(e.g. -e ApplicationStop,...,${event}) or in a deployment whose service lifecycle includes it; standard fleet deployments skip it`
  );
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
    return { appspec: join(path, appspecFilename), valid: false, findings: [{ severity: 'error', code: 'APPSPEC_NOT_FOUND', message: `no ${appspecFilename}, appspec.yaml or appspec.yml in ${path}` }] };
  }
  const result = parseAppSpec(readFileSync(appspecPath, 'utf8'));
  const findings: ValidateFinding[] = result.warnings.map((w) => ({ severity: 'warning', code: w.code, message: w.message, ...(w.path ? { path: w.path } : {}) }));
  if (!result.ok) {
    findings.push(...result.issues.map((i) => ({ severity: 'error' as const, code: i.code, message: i.message, ...(i.path ? { path: i.path } : {}) })));
  } else if (root) {
    const spec = result.appspec;
    for (const [event, scripts] of Object.entries(spec.hooks)) {
      if (!(HOOK_EVENTS as readonly string[]).includes(event)) {
        findings.push({ severity: 'warning', code: 'HOOK_EVENT_CUSTOM', message: customEventMessage(event), path: `hooks.${event}` });
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
  return { appspec: appspecPath, valid: !findings.some((f) => f.severity === 'error'), findings };
}

export function renderValidateReport(report: ValidateReport): string {
  const lines = [`${report.appspec}: ${report.valid ? 'valid' : 'INVALID'}`];
  for (const f of report.findings) lines.push(`  ${f.severity} ${f.code}${f.path ? ` at ${f.path}` : ''}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}

/** fleetctl validate PATH: exit 1 when the revision would fail, 2 when PATH does not exist. */
export async function validate(path: string, opts: { appspecFilename: string }): Promise<CommandOutcome<ValidateReport>> {
  if (!existsSync(path)) throw new EdgeError('CLI_USAGE', `${path} does not exist (give a revision folder or an AppSpec file)`);
  const report = validateBundle(path, opts.appspecFilename);
  return { data: report, exit: report.valid ? ExitCode.OK : ExitCode.FAILED };
}
