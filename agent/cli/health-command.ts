// `edge-agent health [--json] [--check NAME ...] [-c config] [-f checks-file]`: one health sample,
// printed. Exit 0 healthy (or only warnings), 1 a check failed (unhealthy), 2 a probe could not read
// or the configuration is wrong. AppSpec hooks call it (see appspec/examples/air-quality).
// Loads neither the AWS SDKs nor the deployment engine.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { CommandOutcome } from '../../shared/cli/commander.js';
import { EdgeError } from '../../shared/errors.js';
import { DEFAULT_AGENT_CONFIG, loadAgentConfig, type AgentConfig } from '../config/agent-config.js';
import { resolveAgentConfigPath } from '../config/config-path.js';
import { DEFAULT_HEALTH_CONFIG, parseChecksFile, type HealthConfig } from '../health/health-config.js';
import { healthExitCode } from '../health/policy.js';
import { renderHealth } from '../health/render.js';
import { createHealthSampler } from '../health/sampler.js';
import type { HealthSample } from '../health/types.js';

export interface HealthCommandOptions {
  readonly config?: string;
  /** Extra checks (YAML with a `checks:` map), e.g. a revision's own sensor checks. */
  readonly checksFile?: string;
  readonly checks?: readonly string[];
  readonly json?: boolean;
}

export interface HealthCommandDeps {
  /** EDGE_AGENT_CONFIG names the config (the agent sets it for hooks); PATH finds gpioget, vcgencmd. */
  readonly env: NodeJS.ProcessEnv;
}

function loadConfig(opts: HealthCommandOptions, env: NodeJS.ProcessEnv): AgentConfig {
  const path = resolveAgentConfigPath({ flag: opts.config, env });
  return path ? loadAgentConfig(path).config : DEFAULT_AGENT_CONFIG;
}

function withChecksFile(health: HealthConfig, file: string | undefined): HealthConfig {
  if (file === undefined) return health;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EdgeError(notFound ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID', notFound ? `checks file ${file} does not exist` : `checks file ${file}: ${(e as Error).message}`);
  }
  return { ...health, checks: parseChecksFile(doc, `checks file ${file}`, health.checks) };
}

/** One sample; exit 0 healthy (or only warnings), 1 a check failed. Throws (exit 2) when a probe or the config is wrong. */
export async function healthCommand(opts: HealthCommandOptions, deps: HealthCommandDeps): Promise<CommandOutcome<HealthSample>> {
  const config = loadConfig(opts, deps.env);
  const health = withChecksFile(config.health ?? DEFAULT_HEALTH_CONFIG, opts.checksFile);
  const sampler = createHealthSampler(health, { rootDir: config.rootDir, env: deps.env, prime: false });
  let report: HealthSample;
  try {
    report = await sampler.sample(opts.checks && opts.checks.length > 0 ? { checks: opts.checks } : {});
  } finally {
    sampler.close();
  }
  return { data: report, exit: healthExitCode(report) };
}

export const renderHealthText = (report: HealthSample): string => renderHealth(report).map((l) => `${l}\n`).join('');
