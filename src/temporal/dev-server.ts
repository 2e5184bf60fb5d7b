import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { killWithParent } from './child-reaper';
import { findTemporalCli } from './cli';
import { waitUntilServing } from './dev-server-ready';
import { assertPortFree, freePort, PortInUseError } from './ports';
import { searchAttributeDefinitions } from './search-attributes';
import { projectRoot } from './tools-dir';

export { freePort, isServerReachable, PortInUseError } from './ports';
export { DevServerNotReadyError } from './dev-server-ready';

export interface DevServerOptions {
  /** gRPC port; default 7233; 0 picks a free port. */
  port?: number;
  /** Web UI port; default port + 1000; 0 picks a free port. */
  uiPort?: number;
  /** Serve the Web UI? Default true; false runs headless. */
  ui?: boolean;
  /** SQLite file; default <projectRoot>/.data/temporal.db (its directory is created). */
  dbFile?: string;
  /** Keep everything in memory instead of `dbFile`: lost when the server stops. */
  memory?: boolean;
  /** Namespace to create (besides "default", which always exists); default "default". */
  namespace?: string;
  /** The server's own log level; default "warn". */
  logLevel?: string;
  /** What this module says (starting, unexpected exit); default stderr. */
  log?: (line: string) => void;
  /** Every line the server prints (stdout and stderr). Default: kept only for error messages. */
  onServerOutput?: (line: string) => void;
}

export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDevServer {
  /** 127.0.0.1:PORT */
  address: string;
  port: number;
  uiUrl?: string;
  namespace: string;
  dbFile?: string;
  pid: number;
  /** Settles when the process exits, for whatever reason. */
  exited: Promise<DevServerExit>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** The server process ended when it should not have; the message carries the end of its output. */
export class DevServerExitedError extends Error {
  override readonly name = 'DevServerExitedError';
  constructor(
    readonly exit: DevServerExit,
    readonly outputTail: string,
    when = 'before it was ready',
  ) {
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    super(`Temporal dev server ${how} ${when}${outputTail === '' ? '' : `:\n${outputTail}`}`);
  }
}

const HOST = '127.0.0.1';
/** First start of a persisted DB migrates the schema; a loaded 2-core machine needs the margin. */
const READY_TIMEOUT_MS = 60_000;
const KILL_AFTER_MS = 5_000;
const TAIL_LINES = 30;

const defaultLog = (line: string): void => {
  process.stderr.write(`[dev-server] ${line}\n`);
};

/** Starts `temporal server start-dev` and resolves once it serves the namespace with our search attributes. */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const log = options.log ?? defaultLog;
  const namespace = options.namespace ?? 'default';
  const port = options.port === 0 ? await freePort() : (options.port ?? 7233);
  const ui = options.ui ?? true;
  const uiPort = !ui
    ? undefined
    : options.uiPort === 0
      ? await freePortOtherThan(port)
      : (options.uiPort ?? port + 1000);
  const dbFile =
    options.memory === true
      ? undefined
      : path.resolve(options.dbFile ?? path.join(projectRoot(), '.data', 'temporal.db'));

  const bin = await findTemporalCli({ log });
  // Checked here rather than left to the server: its own message names no remedy, and a port held by our
  // previous run is the common case.
  await assertPortFree(HOST, port, 'Temporal gRPC');
  if (uiPort !== undefined) await assertPortFree(HOST, uiPort, 'Temporal Web UI');
  if (dbFile !== undefined) fs.mkdirSync(path.dirname(dbFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(dbFile === undefined ? [] : ['--db-filename', dbFile]),
    '--namespace',
    namespace,
    '--log-level',
    options.logLevel ?? 'warn',
    // Re-registering an existing attribute on a persisted DB is accepted by the CLI (tested on a restart).
    ...searchAttributeDefinitions.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]),
  ];
  log(`starting ${bin} server start-dev on ${HOST}:${port} (${dbFile ?? 'in memory'})`);
  // Own process group: a Ctrl-C in the terminal reaches only us, and we decide when the server stops
  // (child-reaper, runDevServerFromCli), so it never dies under a Worker that is still shutting down.
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<DevServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // After the spawn, 'error' only means a signal could not be sent; without a listener it would crash us.
  child.on('error', (err) => log(`Temporal dev server process: ${err.message}`));
  const pid = child.pid as number;
  killWithParent(child);
  const tail = collectOutput(child, options.onServerOutput);
  // Neither the process nor its pipes may keep the caller's event loop alive: a script that forgets
  // stop() still ends, and the 'exit' hook in child-reaper then stops the server.
  child.unref();
  unrefStream(child.stdout);
  unrefStream(child.stderr);

  const stop = stopper(child, exited);
  const earlyExit = new AbortController();
  const address = `${HOST}:${port}`;
  try {
    await Promise.race([
      waitUntilServing(
        { address, namespace, searchAttributes: searchAttributeDefinitions.map((sa) => sa.name) },
        READY_TIMEOUT_MS,
        earlyExit.signal,
      ),
      exited.then((exit) => {
        earlyExit.abort();
        throw exitError(exit, tail.text(), port, uiPort);
      }),
    ]);
  } catch (err) {
    earlyExit.abort();
    await stop();
    throw err;
  }
  void exited.then((exit) => {
    if (!stop.requested)
      log(new DevServerExitedError(exit, tail.text(), `(pid ${pid}) unexpectedly`).message);
  });
  return {
    address,
    port,
    uiUrl: uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`,
    namespace,
    dbFile,
    pid,
    exited,
    stop,
  };
}

/** Each freePort() releases its port at once, so two calls in a row may hand out the same one. */
async function freePortOtherThan(taken: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

/** A port can be taken between our check and the server's bind; keep the clear error for that case too. */
function exitError(exit: DevServerExit, tail: string, port: number, uiPort: number | undefined): Error {
  const bind = /port (\d+): listen tcp [^\s]+: bind: address already in use/.exec(tail);
  if (bind !== null) {
    const taken = Number(bind[1]);
    return new PortInUseError(HOST, taken, taken === uiPort ? 'Temporal Web UI' : 'Temporal gRPC');
  }
  if (/address already in use/.test(tail)) return new PortInUseError(HOST, port, 'Temporal dev server');
  return new DevServerExitedError(exit, tail);
}

type Stopper = (() => Promise<void>) & { requested: boolean };

function stopper(child: ChildProcess, exited: Promise<DevServerExit>): Stopper {
  let stopping: Promise<void> | undefined;
  const stop = (() => {
    stop.requested = true;
    stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      const done = (): void => {
        clearTimeout(killTimer);
        resolve();
      };
      exited.then(done, done);
      child.kill('SIGTERM');
    });
    return stopping;
  }) as Stopper;
  stop.requested = false;
  return stop;
}

/** Keeps the last lines of the server's output for error messages, and passes each line on if asked. */
function collectOutput(child: ChildProcess, onLine?: (line: string) => void): { text: () => string } {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      onLine?.(line);
    });
  }
  return { text: () => lines.join('\n') };
}

function unrefStream(stream: Readable | null): void {
  (stream as (Readable & { unref?: () => void }) | null)?.unref?.();
}

export interface DevServerCliOptions {
  port: number;
  uiPort?: number;
  db?: string;
  memory?: boolean;
}

/**
 * `deep-research dev-server`: start the server, say where it is, and keep it up until SIGINT/SIGTERM.
 * Rejects if the server dies on its own, so the CLI exits non-zero.
 */
export async function runDevServerFromCli(opts: DevServerCliOptions): Promise<void> {
  let forwarding = true;
  const server = await startDevServer({
    port: opts.port,
    uiPort: opts.uiPort,
    dbFile: opts.db,
    memory: opts.memory,
    // Show the server's warnings while it runs, not the noise it makes while shutting down.
    onServerOutput: (line) => {
      if (forwarding) process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write(
    `Temporal dev server at ${server.address} (namespace ${server.namespace}); ` +
      `Web UI at ${server.uiUrl ?? '(off)'}; data in ${server.dbFile ?? 'memory (lost when it stops)'}\n`,
  );
  // Signal listeners and a pending promise do not keep Node running; this timer does, until we are done.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let onSignal: (() => void) | undefined;
  try {
    const reason = await new Promise<'signal' | DevServerExit>((resolve) => {
      onSignal = () => resolve('signal');
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      void server.exited.then(resolve);
    });
    if (reason !== 'signal') {
      // Its output went to stderr as it came, so the error need not repeat it.
      throw new DevServerExitedError(reason, '', 'while running');
    }
    forwarding = false;
    process.stderr.write('Stopping the Temporal dev server…\n');
    await server.stop();
  } finally {
    clearInterval(keepAlive);
    if (onSignal !== undefined) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
