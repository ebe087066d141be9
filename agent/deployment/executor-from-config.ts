// The engine settings both entry points (edge-agent deploy and edge-agent run) take from the config.
import type { Logger } from '../../shared/log.js';
import type { AgentConfig } from '../config/agent-config.js';
import { createHealthGate } from '../health/gate.js';
import { createHealthSampler, type HealthSampler } from '../health/sampler.js';
import { runProcess } from '../revision/process-runner.js';
import type { CommandExecutorDeps } from './command-executor.js';
import type { DeploymentLayout } from './layout.js';

export function executorDepsFromConfig(config: AgentConfig, base: { layout: DeploymentLayout; log: Logger; env: NodeJS.ProcessEnv; healthSampler?: Pick<HealthSampler, 'sample'> }): CommandExecutorDeps {
  return {
    layout: base.layout,
    log: base.log,
    run: runProcess,
    baseEnv: base.env,
    maxRevisions: config.maxRevisions,
    archiveLimits: { maxBytes: config.archiveMaxBytes, maxEntries: config.archiveMaxEntries },
    killGraceMs: config.killGraceSeconds * 1000,
    enableDeploymentsLog: config.enableDeploymentsLog,
    allowExternalSymlinks: config.allowExternalSymlinks,
    // the official agent keeps copied files' owners when it runs as root
    preserveOwner: process.getuid?.() === 0,
    ...(config.health?.gate.enabled ? { healthGate: createHealthGate(config.health.gate, base.healthSampler ?? createHealthSampler(config.health, { rootDir: config.rootDir, env: base.env })) } : {}),
  };
}
