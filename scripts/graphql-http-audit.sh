#!/usr/bin/env bash
# GraphQL-over-HTTP conformance: run the audit of the `graphql-http` npm package (the reference
# implementation's own list of the spec's MUSTs and SHOULDs) against a live `jtai serve --demo`.
#
# Starts the server on a free loopback port with a throwaway SQLite database, takes the demo lead
# inspector's token from what it prints, installs graphql-http into a temporary directory with npm,
# runs every server audit with 'Authorization: Bearer <token>', prints each result and a summary,
# and stops the server. Exits non-zero if any audit is an error (a MUST that fails) or the server
# answered any request with a 5xx; warnings (SHOULDs) and notices are printed but do not fail.
#
# Needs node (>= 18, for fetch) and npm with the npm registry reachable.
# Environment: JTAI (the jtai command; default .venv/bin/jtai, else jtai on PATH),
#              GRAPHQL_HTTP_VERSION (npm version range; default ^1.22).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jtai="${JTAI:-$root/.venv/bin/jtai}"
[[ -x "$jtai" ]] || jtai="$(command -v jtai || true)"
[[ -n "$jtai" ]] || { echo "graphql-http-audit: no jtai command (pip install -e . first)" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "graphql-http-audit: needs node and npm" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/jtai-graphql-http-audit.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(node -e '
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')"
url="http://127.0.0.1:$port/graphql"

echo "graphql-http-audit: starting jtai serve --demo on 127.0.0.1:$port"
JTAI_DATABASE_URL="sqlite:///$work/audit.db" JTAI_STORAGE_DIR="$work/documents" \
  PYTHONUNBUFFERED=1 "$jtai" serve --demo --host 127.0.0.1 --port "$port" \
  >"$work/server.log" 2>&1 &
server_pid=$!

# Install the audit while the server starts.
echo "graphql-http-audit: installing graphql-http@${GRAPHQL_HTTP_VERSION:-^1.22} with npm"
mkdir -p "$work/audit"
(cd "$work/audit" && npm init -y >/dev/null \
  && npm install --no-audit --no-fund --loglevel=error \
       "graphql-http@${GRAPHQL_HTTP_VERSION:-^1.22}" "graphql@^16" >/dev/null)
cp "$root/scripts/graphql-http-audit.mjs" "$work/audit/"
echo "graphql-http-audit: graphql-http $(node -p "require('$work/audit/node_modules/graphql-http/package.json').version")"

server_log_tail() { echo "--- server log (last 30 lines) ---" >&2; tail -n 30 "$work/server.log" >&2; }

token=""
for _ in $(seq 600); do  # up to 60 s
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "graphql-http-audit: the server exited before it was ready" >&2; server_log_tail; exit 2
  fi
  token="$(sed -n 's/.*#token=\([^[:space:]]*\).*/\1/p' "$work/server.log" | head -n 1)"
  if [[ -n "$token" ]] && node -e "
      fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))
    " 2>/dev/null; then
    break
  fi
  token=""
  sleep 0.1
done
[[ -n "$token" ]] || { echo "graphql-http-audit: the server was not ready in 60 s" >&2; server_log_tail; exit 2; }

echo "graphql-http-audit: auditing $url"
echo
status=0
JTAI_AUDIT_TOKEN="$token" node "$work/audit/graphql-http-audit.mjs" "$url" || status=$?

# A 5xx or a traceback in the server's log is a server bug, whatever the audit made of it.
server_errors="$(grep -cE '" 5[0-9][0-9]( |$)|Traceback' "$work/server.log" || true)"
if [[ "$server_errors" != "0" ]]; then
  echo "graphql-http-audit: the server logged $server_errors 5xx responses or tracebacks" >&2
  server_log_tail
  [[ "$status" != "0" ]] || status=1
fi
exit "$status"
