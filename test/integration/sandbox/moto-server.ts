// moto_server (a third-party AWS stand-in, Python: `pip install 'moto[server]'`) for the cross-checks
// (*-moto-crosscheck.test.ts) and the recorder (record-moto-shapes.ts). moto is not packaged for
// Debian, so the cross-checks always compare the sandbox with recorded moto answers (fixtures/) and,
// when `moto_server` is on PATH, also with a live moto_server started here: on a free loopback port,
// in its own process group, which stop() (and the test's exit, through process-groups.ts) kills.
import type { Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { onPath } from '../../../scripts/test-prereqs.mjs';
import { killGroupOf, trackGroup } from '../../helpers/process-groups.js';

export const MOTO_COMMAND = 'moto_server';
/** moto accepts any credentials; these are the ones its documentation uses. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** How long moto_server may take to answer its first request (a cold Python start on a busy machine). */
const START_TIMEOUT_MS = 60_000;

/** Is moto_server on PATH (the live cross-check runs only then)? */
export const motoOnPath = (path = process.env['PATH'] ?? ''): boolean => onPath(MOTO_COMMAND, path);

/** "moto <version>" of the Python package moto_server runs from, or undefined when python3 cannot tell. */
export function motoVersion(): string | undefined {
  // moto_server has no --version: ask the Python package it runs from
  const r = spawnSync('python3', ['-c', "import moto; print('moto ' + moto.__version__)"], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface MotoServer {
  readonly url: string;
  readonly pid: number;
  /** Kills moto's process group and waits until moto has exited. */
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `url` answers, rejects when moto exits first or START_TIMEOUT_MS passes. */
function ready(moto: ChildProcess, url: string, log: () => string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let retry: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(retry);
      moto.stderr?.off('data', onData);
      moto.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    // moto is ready when its API answers; asked again on each line it logs (werkzeug logs
    // "Running on http://…" once it listens), and every 250 ms while it stays quiet
    const probe = (): void => {
      if (done) return;
      clearTimeout(retry);
      fetch(`${url}/moto-api/`).then(
        (r) => (r.ok ? finish() : undefined),
        () => undefined,
      ).finally(() => {
        if (!done) retry = setTimeout(probe, 250);
      });
    };
    const onData = (): void => probe();
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`moto_server exited (${signal ?? code}) before answering: ${log()}`));
    const timer = setTimeout(() => finish(new Error(`moto_server did not answer within ${START_TIMEOUT_MS} ms: ${log()}`)), START_TIMEOUT_MS);
    moto.stderr?.on('data', onData);
    moto.once('exit', onExit);
    probe();
  });
}

/** Starts moto_server on a free 127.0.0.1 port in its own process group; resolves once it answers. */
export async function startMotoServer(): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const moto = spawn(MOTO_COMMAND, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  await new Promise<void>((resolve, reject) => moto.once('spawn', resolve).once('error', reject));
  trackGroup(moto);
  let log = '';
  moto.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => (moto.exitCode !== null || moto.signalCode !== null ? resolve() : moto.once('exit', () => resolve())));
  const stop = async (): Promise<void> => {
    killGroupOf(moto);
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await ready(moto, url, () => log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid: moto.pid!, stop };
}

/** A recording of moto's answers: which moto made it, and what it answered. */
export interface Recording<T> {
  readonly recordedWith: string;
  readonly answers: T;
}

export const readRecording = <T>(file: URL): Recording<T> => JSON.parse(readFileSync(file, 'utf8')) as Recording<T>;

export function writeRecording<T>(file: URL, recording: Recording<T>): void {
  writeFileSync(file, `${JSON.stringify(recording, null, 2)}\n`);
}

/** What a JSON recording keeps of a value (undefined members dropped, Dates as strings). */
export const asRecorded = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The live half of a cross-check: when moto_server is on PATH, a subtest that starts one and runs
 * `check` (which compares the sandbox with it and returns moto's answers), then, when the live moto
 * is the version the recording was made with, checks that the recording still matches it. Without
 * moto_server, a comment says the recorded comparison ran alone.
 */
export function liveMotoCrossCheck<T>(t: Test, name: string, recorded: Recording<T>, check: (t: Test, motoUrl: string) => Promise<T>): void {
  if (!motoOnPath()) {
    t.comment(`${MOTO_COMMAND} is not on PATH: compared with the recorded answers only (pip install 'moto[server]' for the live check)`);
    return;
  }
  t.test(name, async (t) => {
    const moto = await startMotoServer();
    t.teardown(() => moto.stop());
    const fromMoto = await check(t, moto.url);
    const version = motoVersion();
    if (version === recorded.recordedWith) t.same(fromMoto, recorded.answers, `the recording still matches ${version}`);
    else t.comment(`live ${version ?? 'moto (version unknown)'} is not the recording's ${recorded.recordedWith}: re-record (docs/sandbox.md)`);
  });
}
