#!/usr/bin/env bash
# One command from a fresh clone to a working project: Node >= 22, npm dependencies,
# and the Temporal CLI (cached in .tools/, so later runs cost nothing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
cd "$DR_ROOT"

if [ "$(dr_node_major)" -lt 22 ]; then
  pkg="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
  echo "setup: system Node is $(node --version 2>/dev/null || echo missing); installing Node $DR_NODE_VERSION ($pkg) into .tools/node"
  npm install --silent --no-save --no-package-lock --prefix "$DR_ROOT/.tools/node" "$pkg@$DR_NODE_VERSION"
  export PATH="$DR_NODE_DIR:$PATH"
fi
echo "setup: using Node $(node --version) at $(command -v node)"

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

echo "setup: locating the Temporal CLI"
npx tsx src/temporal/cli.ts --version
echo "setup: done"
