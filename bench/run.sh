#!/usr/bin/env bash
# bench/run.sh: measures racd beside the bare net/http+SQL floor (and PocketBase) with
# the shared load scripts in ../shared/bench, in one run, as ratios.
#
#   bench/run.sh                      # racd on SQLite vs floor-sqlite (+ floor-postgres, PocketBase)
#   DB=postgres bench/run.sh          # racd on PostgreSQL (the floor's cluster) vs floor-postgres
#   N=2000 DUR=5s ROUNDS=1 PB=0 bench/run.sh   # quick smoke run
#
# Every knob of run-peers.sh (N DUR ROUNDS OPS PG PB PIN ...) passes through. Results go
# to bench/out/<stamp>/ (not committed). With DB=postgres read the racd ÷ floor-postgres
# ratio: rerun the table with `-ref floor-postgres` as the last lines printed explain.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
[ -x "$SHARED/run-peers.sh" ] || { echo "shared bench scripts not found at $SHARED" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
export OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)-${DB:-sqlite}}
BINDIR=$(mktemp -d /tmp/racd-bench-bin.XXXXXX)
trap 'rm -rf "$BINDIR"' EXIT
chmod 755 "$BINDIR"
(cd "$ROOT" && go build -trimpath -o "$BINDIR/racd" ./cmd/racd)
export RACD_BIN=$BINDIR/racd RACD_TOKEN=${RACD_TOKEN:-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
export RACD_NAME=${RACD_NAME:-racd-${DB:-sqlite}}
export RACD_ADAPTER=${RACD_ADAPTER:-$ROOT/bench/racd.env}
case "${DB:-sqlite}" in
  sqlite)
    export RACD_CMD='env RACD_LISTEN=127.0.0.1:$PORT RACD_DATABASE_URL=sqlite://$DATA_DIR/racd.db RACD_BOOTSTRAP_TOKEN=$RACD_TOKEN '"$RACD_BIN"' serve' ;;
  postgres)
    export PG=1
    export RACD_CMD='env RACD_LISTEN=127.0.0.1:$PORT RACD_DATABASE_URL=$RACD_PG_DSN RACD_SECRET_KEY=bench-secret-key-0123456789abcdef0123 RACD_BOOTSTRAP_TOKEN=$RACD_TOKEN '"$RACD_BIN"' serve' ;;
  *) echo "DB must be sqlite or postgres" >&2; exit 2 ;;
esac
"$SHARED/run-peers.sh"
if [ "${DB:-sqlite}" = postgres ]; then
  echo
  echo "ratios against floor-postgres:"
  (cd "$SHARED/benchtool" && go run . table -in "$OUT/results.tsv" -ref floor-postgres)
fi
