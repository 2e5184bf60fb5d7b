import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  freePort,
  isServerReachable,
  PortInUseError,
  type RunningDevServer,
  startDevServer,
} from '../src/temporal/dev-server';
import { ResearchPhase, searchAttributeDefinitions } from '../src/temporal/search-attributes';

/** Real `temporal server start-dev` processes on free ports; every one is stopped, even when a test fails. */
const servers: RunningDevServer[] = [];
const connections: Connection[] = [];
const tmpDirs: string[] = [];
const quiet = (): void => undefined;

/** temporal.api.enums.v1.IndexedValueType, for the two CLI types the project uses. */
const INDEXED_VALUE_TYPE = { Text: 1, Keyword: 2 } as const;

async function start(options: Parameters<typeof startDevServer>[0]): Promise<RunningDevServer> {
  const server = await startDevServer({ log: quiet, ...options });
  servers.push(server);
  return server;
}

async function connect(server: RunningDevServer): Promise<Client> {
  const connection = await Connection.connect({ address: server.address });
  connections.push(connection);
  return new Client({ connection, namespace: server.namespace });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The Web UI comes up alongside the frontend; give it a few seconds rather than assume the same instant. */
async function uiAnswers(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('in memory and headless on a free port: serves, has the search attributes, stops', async () => {
  const server = await start({ port: 0, ui: false, memory: true });
  expect(server.address).toBe(`127.0.0.1:${server.port}`);
  expect(server.uiUrl).toBeUndefined();
  expect(server.dbFile).toBeUndefined();
  expect(server.namespace).toBe('default');

  const client = await connect(server);
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
    namespace: server.namespace,
  });
  for (const { name, cliType } of searchAttributeDefinitions) {
    expect(customAttributes?.[name]).toBe(INDEXED_VALUE_TYPE[cliType]);
  }

  await server.stop();
  await server.stop(); // idempotent
  expect(isAlive(server.pid)).toBe(false);
  expect(await isServerReachable(server.address, 500)).toBe(false);
});

test('with a DB file: a workflow started before a restart is still there after it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-server-test-'));
  tmpDirs.push(dir);
  const dbFile = path.join(dir, 'nested', 'temporal.db');
  const workflowId = `restart-${Date.now()}`;

  const first = await start({ port: 0, uiPort: 0, dbFile });
  expect(first.dbFile).toBe(dbFile);
  expect(first.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(fs.existsSync(dbFile)).toBe(true);
  expect(await uiAnswers(first.uiUrl ?? '')).toBe(true);
  const before = await connect(first);
  // No worker polls 'x': the workflow just stays open, which is what we want to find again.
  await before.workflow.start('noSuchType', {
    taskQueue: 'x',
    workflowId,
    typedSearchAttributes: [{ key: ResearchPhase, value: 'planning' }],
  });
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await first.stop();

  // Same file again: the search attributes are already registered there, which must not break the start.
  const second = await start({ port: 0, ui: false, dbFile });
  const after = await connect(second);
  const description = await after.workflow.getHandle(workflowId).describe();
  expect(description.type).toBe('noSuchType');
  expect(description.status.name).toBe('RUNNING');
  expect(description.typedSearchAttributes.get(ResearchPhase)).toBe('planning');
});

test('a port already in use gives a clear error and leaves nothing running', async () => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    const error = await startDevServer({ port, ui: false, memory: true, log: quiet }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(`Port ${port} on 127.0.0.1`);
    expect((error as Error).message).toContain('already in use');
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('isServerReachable says no quickly for a closed port', async () => {
  const port = await freePort();
  expect(await isServerReachable(`127.0.0.1:${port}`, 500)).toBe(false);
});
