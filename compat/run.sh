#!/usr/bin/env bash
# Client-compatibility suite: builds racd, starts `racd serve` on a free loopback port
# with a fresh SQLite database and a bootstrap token, runs run.mjs (the RAC scenario with
# every official TypeScript client in package.json) against it, and stops racd.
# Arguments go to run.mjs (e.g. --clients 2024.6.0,2026.8.3 or --json results.json).
# Exit status: run.mjs's (1 when any step fails).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

work="$(mktemp -d)"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "racd log and database kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

(cd .. && go build -o "$work/racd" ./cmd/racd)

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
token="compat-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
RACD_BOOTSTRAP_TOKEN="$token" RACD_LISTEN="127.0.0.1:$port" \
  RACD_DATABASE_URL="sqlite://$work/racd.db" RACD_ACCESS_LOG=false \
  "$work/racd" serve >"$work/racd.log" 2>&1 &
pid=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/-/health/ready/"; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/racd.log" >&2
    echo "racd exited before it was ready" >&2
    exit 1
  fi
  sleep 0.1
done

status=0
node run.mjs --url "$url" --token "$token" "$@" || status=$?
exit "$status"
