// The command-line boundary both programs share: a commander program whose usage errors (unknown
// flag or command, with the closest match suggested; missing or extra argument) exit 2 instead of
// commander's 1 (and print the error envelope on stdout when --json is on the command line),
// `-V/--version`, the exit-code contract in every --help, and one runner that turns a command's
// returned data (or thrown error) into output and an exit code. Commands never write to stdout or
// set the exit code: main.ts hands runCli the streams.
import { Command, CommanderError } from 'commander';
import { EdgeError, exitCodeOf, toEdgeError } from '../errors.js';
import { envelope, errorBody, errorEnvelope, errorLine, jsonText, type ErrorBody, type Program } from './envelope.js';
import { EXIT_CODES_HELP, ExitCode, type ExitCodeValue } from './exit-codes.js';

export interface CliIo {
  /** Results (stdout). */
  readonly out: (text: string) => void;
  /** Progress, warnings, errors and help on errors (stderr). */
  readonly err: (text: string) => void;
}

/** What a command returns: its data (the JSON document's body) and whether the work succeeded. */
export interface CommandOutcome<T extends object> {
  readonly data: T;
  readonly exit: ExitCodeValue;
  /** Long-running commands (a server): resolves with the final exit code once it stops. */
  readonly untilDone?: () => Promise<ExitCodeValue>;
  /**
   * Why the work failed (with exit 1 or 2): the --json document carries it as `error` beside the
   * data, and its line goes to stderr; the human rendering shows it itself.
   */
  readonly error?: unknown;
}

export interface CommandSpec<T extends object> {
  /** The command part of the schema name, e.g. `register` or `sandbox.start`. */
  readonly command: string;
  readonly schemaVersion: number;
  readonly json: boolean;
  /** The result for people (stdout); `error` is the outcome's, when the work failed. */
  readonly human: (data: T, error?: unknown) => string;
}

interface Finished {
  readonly spec: CommandSpec<object>;
  readonly outcome: CommandOutcome<object>;
}

/** Carries the one command a run executes from its action to runCli. */
export class CliSession {
  spec: CommandSpec<object> | undefined;
  finished: Finished | undefined;

  /** For command actions: run the body and keep its outcome for runCli to print. */
  async run<T extends object>(spec: CommandSpec<T>, body: () => Promise<CommandOutcome<T>>): Promise<void> {
    this.spec = spec as unknown as CommandSpec<object>;
    const outcome = await body();
    this.finished = { spec: this.spec, outcome };
  }
}

export function createProgram(name: Program, description: string, version: string, io: CliIo): Command {
  return new Command(name)
    .description(description)
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
}

/** Adds the exit-code contract to the help of the program and every subcommand (call once all are defined). */
export function addExitCodeHelp(cmd: Command): void {
  cmd.addHelpText('after', `\n${EXIT_CODES_HELP}`);
  for (const sub of cmd.commands) addExitCodeHelp(sub);
}

/** Parses argv (`process.argv` shape), runs the command and prints its result; returns the exit code. */
export async function runCli(
  program: Command,
  session: CliSession,
  argv: readonly string[],
  io: CliIo,
): Promise<ExitCodeValue> {
  const name = program.name() as Program;
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return ExitCode.OK;
      const args = argv.slice(2);
      if (wantsJson(args)) io.out(jsonText(usageErrorEnvelope(program, args, e)));
      return ExitCode.USAGE;
    }
    const spec = session.spec;
    if (spec?.json) io.out(jsonText(errorEnvelope(name, spec.command, spec.schemaVersion, e)));
    io.err(`${errorLine(e)}\n`);
    return exitCodeOf(toEdgeError(e).code);
  }
  const done = session.finished;
  if (!done) return ExitCode.OK;
  const { spec, outcome } = done;
  if (!spec.json) io.out(spec.human(outcome.data, outcome.error));
  else if (outcome.error === undefined) io.out(jsonText(envelope(name, spec.command, spec.schemaVersion, outcome.data)));
  else {
    // the error's exit is the run's, whatever the code alone would say
    const error = { ...errorBody(outcome.error), exit: outcome.exit };
    io.out(jsonText({ ...envelope(name, spec.command, spec.schemaVersion, outcome.data), error }));
    io.err(`${errorLine(outcome.error)}\n`);
  }
  if (outcome.untilDone) return outcome.untilDone();
  return outcome.exit;
}

/** `--json` among the arguments (before a `--` that ends the options). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** The (sub)command names the arguments select, e.g. ['sandbox', 'start']; [] for none or an unknown one. */
export function commandPath(program: Command, args: readonly string[]): string[] {
  const path: string[] = [];
  let cmd = program;
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    path.push(sub.name());
    cmd = sub;
  }
  return path;
}

/** A usage error as the failure envelope: schema named after the command when known, else `<program>/v1`. */
export function usageErrorEnvelope(program: Command, args: readonly string[], e: CommanderError): { schema: string; error: ErrorBody } {
  const name = program.name() as Program;
  const path = commandPath(program, args);
  const error = new EdgeError('CLI_USAGE', e.message.replace(/^error: /, ''));
  return path.length > 0 ? errorEnvelope(name, path.join('.'), 1, error) : { schema: `${name}/v1`, error: errorBody(error) };
}
