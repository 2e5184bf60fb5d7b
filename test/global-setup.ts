import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalStack } from '../src/local-stack';

/**
 * One real Temporal dev server (in memory, free ports) for the whole test run, and one workflow bundle
 * that every in-process test worker reuses instead of bundling again.
 */
declare global {
  var __localStack: LocalStack | undefined;
}

export const TMP_DIR = path.join(__dirname, '.tmp');

export default async function globalSetup(): Promise<void> {
  mkdirSync(TMP_DIR, { recursive: true });
  const stack = new LocalStack();
  const [server, bundle] = await Promise.all([
    stack.startDevServer(),
    bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger }),
  ]);
  const bundlePath = path.join(TMP_DIR, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  globalThis.__localStack = stack;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
