import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliAttemptFailed, type InstallContext, TEMPORAL_EXE } from './cli-probe';
import { describeFailure, runProcess } from './run-process';

/** How long the server may take to answer at all: an offline machine or a firewall should fail fast. */
const CONNECT_TIMEOUT_MS = 5_000;
/** The archive is some tens of MB; a slow line gets a few minutes once the server has answered. */
const BODY_TIMEOUT_MS = 5 * 60_000;
const TAR_TIMEOUT_MS = 60_000;

/**
 * The CDN the SDK itself uses (sdk-core's ephemeral server, `TestWorkflowEnvironment.createLocal()`):
 * a tar.gz holding the `temporal` binary and its LICENSE. Only Linux and macOS archives are tar.gz.
 */
export function temporalDownloadUrl(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  const urlPlatform = { linux: 'linux', darwin: 'darwin' }[platform];
  const urlArch = { x64: 'amd64', arm64: 'arm64' }[arch];
  if (urlPlatform === undefined || urlArch === undefined) {
    throw new CliAttemptFailed(`no tar.gz archive is published for ${platform}/${arch}`);
  }
  return `https://temporal.download/cli/archive/latest?platform=${urlPlatform}&arch=${urlArch}`;
}

/** Downloads the latest CLI into `<toolsDir>/bin/temporal` and returns that path. */
export async function downloadTemporalCli({ toolsDir, log }: InstallContext): Promise<string> {
  const url = temporalDownloadUrl();
  const binDir = path.join(toolsDir, 'bin');
  const work = path.join(toolsDir, `download-${process.pid}`);
  fs.mkdirSync(work, { recursive: true });
  try {
    log(`downloading ${url}`);
    const archive = path.join(work, 'temporal.tar.gz');
    await fetchToFile(url, archive);
    const tar = await runProcess('tar', ['-xzf', archive, '-C', work], { timeoutMs: TAR_TIMEOUT_MS }).catch(
      (err: Error) => {
        throw new CliAttemptFailed(`could not run tar: ${err.message}`);
      },
    );
    if (tar.code !== 0) throw new CliAttemptFailed(`tar ${describeFailure(tar, TAR_TIMEOUT_MS)}`);
    const extracted = path.join(work, TEMPORAL_EXE);
    if (!fs.existsSync(extracted))
      throw new CliAttemptFailed(`the archive from ${url} holds no ${TEMPORAL_EXE}`);
    fs.chmodSync(extracted, 0o755);
    fs.mkdirSync(binDir, { recursive: true });
    const target = path.join(binDir, TEMPORAL_EXE);
    // Same filesystem (both under toolsDir), so the binary appears complete or not at all.
    fs.renameSync(extracted, target);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function fetchToFile(url: string, file: string): Promise<void> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error('no answer within 5 s')), CONNECT_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw new CliAttemptFailed(`${url}: ${fetchErrorReason(err)}`);
    }
    if (!response.ok || response.body === null) {
      throw new CliAttemptFailed(`${url} answered HTTP ${response.status} ${response.statusText}`);
    }
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error('download took over 5 min')), BODY_TIMEOUT_MS);
    try {
      await pipeline(
        Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
        fs.createWriteStream(file),
      );
    } catch (err) {
      throw new CliAttemptFailed(`${url}: download interrupted: ${fetchErrorReason(err)}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** fetch() says only "fetch failed"; the useful part (ENOTFOUND, ECONNREFUSED, our timeout) is in `cause`. */
function fetchErrorReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message} (${code !== undefined ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}
