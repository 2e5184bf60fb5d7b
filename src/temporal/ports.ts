import net from 'node:net';

/** A port we were asked to use is taken; says which, and how to get around it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly purpose: string,
  ) {
    super(
      `Port ${port} on ${host} (${purpose}) is already in use: another Temporal dev server may be running. ` +
        'Stop it, use it as is, or pick another port (0 picks a free one).',
    );
  }
}

/** A port the OS reports free on 127.0.0.1 right now (another process could still take it before we do). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('no port assigned')) : resolve(port)));
    });
  });
}

/**
 * Throws PortInUseError if `port` cannot be bound on `host`. Binding (rather than connecting) is what the
 * server will do, so it also catches a port held by a process that accepts no connections.
 */
export function assertPortFree(host: string, port: number, purpose: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port, purpose) : err);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** Splits "host:port" or "[ipv6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`"${address}" is not a host:port address`);
  }
  return { host, port };
}

/** Does anything accept TCP connections at `address` (host:port)? Cheap, for "is a server already up?". */
export function isServerReachable(address: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = parseAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reachable: boolean): void => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
