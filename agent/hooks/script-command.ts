// How a hook script is launched (aws-codedeploy-agent lib/instance_agent/platform/linux_util.rb):
//   runas  sudo   command
//   -      -      <abs path>
//   user   -      su <user> -c <abs path>
//   user   true   sudo su <user> -c <abs path>
//   -      true   sudo <abs path>
// The script is exec'd directly (no shell), so it needs a shebang; like Ruby, Node's spawn falls back
// to /bin/sh for a file without one (ENOEXEC).

export interface ScriptCommand {
  readonly file: string;
  readonly args: readonly string[];
}

const SHELL_SAFE = /^[A-Za-z0-9_\-./+,:@%=]+$/;

/**
 * `su -c` hands its argument to the user's shell. Ordinary paths pass through unchanged (the official
 * argv); a path with spaces or shell characters is single-quoted so it still names one file.
 */
export function shellQuote(s: string): string {
  return SHELL_SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An empty or absent runas means "as the agent's user", as does an absent sudo. */
export function scriptCommand(absPath: string, runas: string | undefined, sudo: boolean): ScriptCommand {
  const user = runas === undefined || runas === '' ? undefined : runas;
  if (user !== undefined) {
    const su = ['su', user, '-c', shellQuote(absPath)];
    return sudo ? { file: 'sudo', args: su } : { file: 'su', args: su.slice(1) };
  }
  return sudo ? { file: 'sudo', args: [absPath] } : { file: absPath, args: [] };
}
