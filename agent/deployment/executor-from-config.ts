// The engine settings both entry points (edge-agent deploy and edge-agent run) take from the config.
import type { Logger } from '../../shared/log.js';
import type { AgentConfig } from '../config/agent-config.js';
import { runProcess } from '../revision/process-runner.js';
import type { CommandExecutorDeps } from './command-executor.js';
import type { DeploymentLayout } from './layout.js';

export function executorDepsFromConfig(config: AgentConfig, base: { layout: DeploymentLayout; log: Logger; env: NodeJS.ProcessEnv }): CommandExecutorDeps {
  return {
    layout: base.layout,
    log: base.log,
    run: runProcess,
    baseEnv: base.env,
    maxRevisions: config.maxRevisions,
    archiveLimits: { maxBytes: config.archiveMaxBytes, maxEntries: config.archiveMaxEntries },
    killGraceMs: config.killGraceSeconds * 1000,
    enableDeploymentsLog: config.enableDeploymentsLog,
    // the official agent keeps copied files' owners when it runs as root
    preserveOwner: process.getuid?.() === 0,
  };
}
