import { randomBytes } from 'node:crypto';

/** Identifiers in the API's shapes (`resp_…`, `msg_…`, `call_…`); random, since only output content must be deterministic. */
export function newId(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('hex')}`;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `call_` ids are alphanumeric in the real API, not hex. */
export function newCallId(): string {
  const bytes = randomBytes(24);
  let id = 'call_';
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

export function newRequestId(): string {
  return newId('req', 16);
}
