import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type TemporalSettings } from '../config';

/** What a connection needs of the settings (a worker's has no namespace: its workers name theirs). */
type ConnectionSettings = Pick<TemporalSettings, 'address' | 'apiKey'>;

/** Connections to the Temporal server from settings; an API key (Temporal Cloud) implies TLS. */
function connectOptions(settings: ConnectionSettings) {
  checkAddress(settings.address);
  return {
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
  };
}

/** host:port, [v6]:port. Checked here because the SDK's own error for a malformed one is a raw transport error. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function addressProblem(address: string): string | undefined {
  const match = ADDRESS.exec(address);
  const port = Number(match?.[2]);
  if (match && port >= 1 && port <= 65535) return undefined;
  return (
    `TEMPORAL_ADDRESS=${address} is not host:port: set it to the Temporal frontend, e.g. ` +
    '127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233'
  );
}

function checkAddress(address: string): void {
  const problem = addressProblem(address);
  if (problem) throw new ConfigError(`Invalid configuration:\n- ${problem}`);
}

/** Thrown when no Temporal server answers: says where it looked and how to go on. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(address: string, cause: unknown) {
    super(
      `Cannot reach a Temporal server at TEMPORAL_ADDRESS=${address} (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}). ` +
        'Start one with `scripts/npm run dev-server`, or set TEMPORAL_ADDRESS (and TEMPORAL_API_KEY for Temporal Cloud).',
      { cause },
    );
  }
}

export async function connectClient(
  settings: ConnectionSettings & Pick<TemporalSettings, 'namespace'>,
): Promise<Client> {
  const options = connectOptions(settings);
  let connection: Connection;
  try {
    connection = await Connection.connect(options);
  } catch (error) {
    throw new TemporalUnreachableError(settings.address, error);
  }
  return new Client({ connection, namespace: settings.namespace });
}

export async function connectWorker(settings: ConnectionSettings): Promise<NativeConnection> {
  const options = connectOptions(settings);
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    throw new TemporalUnreachableError(settings.address, error);
  }
}
