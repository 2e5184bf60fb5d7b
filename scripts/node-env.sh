# Sourced by the project's scripts: puts a Node >= 22 first on PATH.
# Where the system Node is older, the project's own Node (from the npm registry's
# node-<os>-<arch> package, installed by scripts/setup.sh) in .tools/node is used instead.
DR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DR_NODE_VERSION="24.21.0"
DR_NODE_DIR="$DR_ROOT/.tools/node/node_modules/node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')/bin"

dr_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$DR_NODE_DIR/node" ]; then
  export PATH="$DR_NODE_DIR:$PATH"
fi
