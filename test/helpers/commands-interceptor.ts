// A scripted CodeDeploy Commands front on loopback, between an agent and the sandbox: a fake of the
// AWS service's behaviour, never of our code. It speaks the real wire protocol (AWS JSON 1.1, POST /,
// X-Amz-Target <prefix>.<Operation>) and forwards every call unchanged to the sandbox (the Host
// header too, so the agent's SigV4 signatures still verify there), unless a rule answers it:
// - `poll` answers a PollHostCommand itself (e.g. re-delivers a command, as after a service retry);
// - `ack` replaces the CommandStatus the sandbox returned for a PutHostCommandAcknowledgement;
// - `complete` swallows a PutHostCommandComplete (the service lost it) by answering it itself.
// Every call is recorded in arrival order, with what was answered; `mark` adds a label to that log.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './agent-fleet.js';
import { listenOnLoopback } from './loopback-server.js';

export type Json = Record<string, unknown>;
export type CommandStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed';

/** A command as PollHostCommand delivered it (wire names). */
export interface WireHostCommand {
  readonly HostCommandIdentifier: string;
  readonly HostIdentifier: string;
  readonly DeploymentExecutionId: string;
  readonly CommandName: string;
  readonly Nonce?: number;
}

export interface CommandsCall {
  readonly index: number;
  /** The operation, or `mark:<label>` for a test's marker. */
  readonly op: string;
  readonly request: Json;
  /** The access key id of the SigV4 Authorization header. */
  readonly accessKeyId: string;
  /** Parsed response body, once answered. */
  response?: Json;
  status?: number;
  /** True when a rule answered (or changed the answer) instead of the sandbox alone. */
  scripted?: boolean;
}

export interface InterceptorRules {
  poll?: (call: CommandsCall) => Json | undefined;
  ack?: (command: WireHostCommand, isNoop: boolean) => CommandStatus | undefined;
  complete?: (command: WireHostCommand, call: CommandsCall) => boolean;
}

export interface CommandsInterceptor {
  readonly url: string;
  readonly calls: readonly CommandsCall[];
  /** Rules can be replaced at any time; they apply to calls arriving afterwards. */
  rules: InterceptorRules;
  /** Every command a poll delivered, by HostCommandIdentifier. */
  readonly commands: ReadonlyMap<string, WireHostCommand>;
  /** The first delivered command with that name (the latest deployment's when `after` is given). */
  command(name: string, after?: number): WireHostCommand | undefined;
  /** The CommandName of the command a call is about (by its HostCommandIdentifier). */
  commandNameOf(call: CommandsCall): string | undefined;
  /** The calls of one operation about one HostCommandIdentifier. */
  callsFor(op: string, hostCommandIdentifier: string): CommandsCall[];
  /** Add a marker to the log; returns its index. */
  mark(label: string): number;
  /** Resolves with the first call (answered or not) after index `after` that matches. */
  waitForCall(match: (call: CommandsCall) => boolean, after: number, ms?: number): Promise<CommandsCall>;
  close(): Promise<void>;
}

const operationOf = (headers: IncomingHttpHeaders): string => String(headers['x-amz-target'] ?? '').split('.').pop() ?? '';
const keyIdOf = (headers: IncomingHttpHeaders): string => /Credential=([^/]+)\//.exec(String(headers['authorization'] ?? ''))?.[1] ?? '';

function parse(text: string): Json {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Json) : {};
  } catch {
    return {};
  }
}

/** The IsCommandNoop flag of an acknowledgement request. */
export function ackIsNoop(request: Json): boolean {
  const diagnostics = request['Diagnostics'] as { Payload?: string } | undefined;
  return parse(diagnostics?.Payload ?? '{}')['IsCommandNoop'] === true;
}

/** The completion diagnostics a PutHostCommandComplete carried (error_code, script_name, message, log). */
export function completionPayload(call: CommandsCall): Json {
  return parse((call.request['Diagnostics'] as { Payload?: string } | undefined)?.Payload ?? '{}');
}

export async function startCommandsInterceptor(options: { target: string; rules?: InterceptorRules }): Promise<CommandsInterceptor> {
  const target = new URL(options.target);
  const calls: CommandsCall[] = [];
  const commands = new Map<string, WireHostCommand>();
  let rules: InterceptorRules = options.rules ?? {};

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call: CommandsCall = { index: calls.length, op: operationOf(req.headers), request: parse(body.toString('utf8')), accessKeyId: keyIdOf(req.headers) };
      calls.push(call);
      const id = String(call.request['HostCommandIdentifier'] ?? '');
      const answer = (status: number, json: Json, headers: IncomingHttpHeaders = { 'content-type': 'application/x-amz-json-1.1' }): void => {
        call.status = status;
        call.response = json;
        if (call.op === 'PollHostCommand') remember(json);
        const text = JSON.stringify(json);
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      };
      const scripted = scriptedAnswer(call, id);
      if (scripted) {
        call.scripted = true;
        return answer(200, scripted);
      }
      // a fresh connection per call: a stale keep-alive socket would turn into a spurious agent retry
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          const json = parse(Buffer.concat(parts).toString('utf8'));
          const command = commands.get(id);
          const forced = call.op === 'PutHostCommandAcknowledgement' && (up.statusCode ?? 0) < 300 && command ? rules.ack?.(command, ackIsNoop(call.request)) : undefined;
          if (forced) call.scripted = true;
          const { 'content-length': _length, 'transfer-encoding': _encoding, ...headers } = up.headers;
          answer(up.statusCode ?? 502, forced ? { ...json, CommandStatus: forced } : json, headers);
        });
        up.on('error', () => res.destroy());
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy()); // the agent gave up a long poll
      upstream.end(body);
    });
  });

  const remember = (json: Json): void => {
    const cmd = json['HostCommand'] as WireHostCommand | undefined;
    if (cmd?.HostCommandIdentifier) commands.set(cmd.HostCommandIdentifier, cmd);
  };

  const scriptedAnswer = (call: CommandsCall, id: string): Json | undefined => {
    if (call.op === 'PollHostCommand') return rules.poll?.(call);
    const command = commands.get(id);
    if (call.op === 'PutHostCommandComplete' && command && rules.complete?.(command, call)) return {};
    return undefined;
  };

  const listening = await listenOnLoopback(server);

  return {
    url: listening.url,
    calls,
    get rules() {
      return rules;
    },
    set rules(r: InterceptorRules) {
      rules = r;
    },
    commands,
    command: (name, after = -1) => {
      const call = calls.find((c) => c.index > after && c.op === 'PollHostCommand' && (c.response?.['HostCommand'] as WireHostCommand | undefined)?.CommandName === name);
      return call?.response?.['HostCommand'] as WireHostCommand | undefined;
    },
    commandNameOf: (call) => commands.get(String(call.request['HostCommandIdentifier'] ?? ''))?.CommandName,
    callsFor: (op, id) => calls.filter((c) => c.op === op && c.request['HostCommandIdentifier'] === id),
    mark: (label) => calls.push({ index: calls.length, op: `mark:${label}`, request: {}, accessKeyId: '' }) - 1,
    async waitForCall(match, after, ms = 30_000) {
      let found: CommandsCall | undefined;
      await waitFor(() => (found = calls.find((c) => c.index > after && match(c))) !== undefined, ms, 'a Commands call');
      return found as CommandsCall;
    },
    close: () => listening.close(),
  };
}
