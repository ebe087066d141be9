// What hook scripts need to call this agent back (`edge-agent health --check ...`), whichever way
// it was started (installed launcher, dist/agent/main.js, or TypeScript through tsx in tests):
//   EDGE_AGENT_CLI     the command line that starts it, each word single-quoted for the shell:
//                      eval "$EDGE_AGENT_CLI health --check dht11_line"
//   EDGE_AGENT_CONFIG  the agent config file in use, when there is one (edge-agent health reads it).
// Pure.

/** `s` as one single-quoted shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ProcessCommandLine {
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
}

export function agentCliEnv(proc: ProcessCommandLine, configPath: string | undefined): Record<string, string> {
  const entry = proc.argv[1];
  const words = [proc.execPath, ...proc.execArgv, ...(entry ? [entry] : [])];
  return { EDGE_AGENT_CLI: words.map(shellQuote).join(' '), ...(configPath ? { EDGE_AGENT_CONFIG: configPath } : {}) };
}
