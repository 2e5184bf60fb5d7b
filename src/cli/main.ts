#!/usr/bin/env node
/**
 * `deep-research`: the entry point. It checks the Node version before loading anything else, because the
 * program needs modules older Nodes lack (node:sqlite): on Node 20 the user gets what to do, not a crash.
 * Nothing else may be imported here.
 */
export {};

const MIN_NODE_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(
    `deep-research needs Node ${MIN_NODE_MAJOR} or newer; this is Node ${process.versions.node} (${process.execPath}). ` +
      'Install Node 22+ (https://nodejs.org), or run `bash scripts/setup.sh` in the project and use ' +
      '`scripts/npm run deep-research -- …`, which puts the Node it installs in .tools/ first.\n',
  );
  process.exitCode = 2;
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./program');
}
