#!/usr/bin/env bash
# npm run load — the specification's user flow (load/user-flow.yml) with the thresholds of load/report.ts.
#
#   npm run load                             local runtime (npm start) on a throw-away data folder, users
#                                            created by load/setup-users.ts, the Claude stand-in at
#                                            ~1 s to first token and 40 tokens/s
#   LOAD_RUNTIME=lambda npm run load         the same against the synthesized bundles (npm run start:lambda)
#   TARGET=https://…/prod LOAD_USERS=users.csv npm run load
#                                            a deployed stage; create the users first with
#                                            DATABASE_URL=… npx tsx load/setup-users.ts --out users.csv
# Knobs: LOAD_USERS_COUNT (200), LOAD_ORGS (20), LOAD_PORT (3100), LOAD_PHASES (JSON array of artillery
# phases), LOAD_TTFT_MS (1000), LOAD_TOKENS_PER_SECOND (40), DATABASE_URL (PostgreSQL instead of PGlite),
# LOAD_LAMBDA_MAX_INSTANCES (4: instances per function under start:lambda, one invocation each at a time),
# LOAD_LAMBDA_ARGS (more start:lambda options, e.g. "--max-instances auth-login=2"), LOAD_LAMBDA_STATS_MS (1000:
# the host's STATS line; load/runtime-log.ts summarises REPORT lines, STATS and the functions' EMF from the log).
# artillery is pinned in load/package.json + load/package-lock.json and installed there on first use.
# Every process started here runs in its own process group and is stopped with it; the temp folder is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
mkdir -p load/reports
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ceo-load.XXXXXX")"
groups=()

stop_group() {
  local pgid="$1"
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 -- "-$pgid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  for g in "${groups[@]}"; do stop_group "$g"; done
  rm -rf "$tmp" "$root/load/reports/users.csv"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start CMD… in its own session (= process group, pgid = its pid); output to $tmp/NAME.log
start() {
  local name="$1"
  shift
  setsid "$@" >"$tmp/$name.log" 2>&1 &
  groups+=("$!")
}

if [ ! -x load/node_modules/.bin/artillery ]; then
  echo "load: installing the pinned load tools into load/node_modules (first run)…"
  (cd load && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

target="${TARGET:-${TARGET_URL:-}}"
if [ -z "$target" ]; then
  port="${LOAD_PORT:-3100}"
  runtime="${LOAD_RUNTIME:-local}"
  # the Claude stand-in, in its own process (its first stdout line is {"url": …})
  FAKE_TTFT_MS="${LOAD_TTFT_MS:-1000}" FAKE_TOKENS_PER_SECOND="${LOAD_TOKENS_PER_SECOND:-40}" \
    start claude node --import tsx test/support/fake-anthropic-cli.ts
  for _ in $(seq 1 100); do grep -q '"url"' "$tmp/claude.log" 2>/dev/null && break; sleep 0.1; done
  claude_url="$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).url' "$tmp/claude.log")"

  export LOAD_USERS="$tmp/users.csv"
  if [ -z "${DATABASE_URL:-}" ]; then export PGLITE_DIR="$tmp/pglite"; fi
  npx tsx load/setup-users.ts --users "${LOAD_USERS_COUNT:-200}" --orgs "${LOAD_ORGS:-20}" --out "$LOAD_USERS"

  export ANTHROPIC_BASE_URL="$claude_url" ANTHROPIC_API_KEY="sk-load-stand-in" LOG_LEVEL="${LOG_LEVEL:-WARN}"
  if [ "$runtime" = "lambda" ]; then
    [ -n "${DATABASE_URL:-}" ] || { echo "load: LOAD_RUNTIME=lambda needs DATABASE_URL (users are created there)"; exit 2; }
    start runtime npx tsx bin/lambda-host/main.ts --port "$port" --no-seed \
      --max-instances "${LOAD_LAMBDA_MAX_INSTANCES:-4}" --stats-interval-ms "${LOAD_LAMBDA_STATS_MS:-1000}" \
      ${LOAD_LAMBDA_ARGS:-} \
      --env "ANTHROPIC_BASE_URL=$claude_url" --env "ANTHROPIC_API_KEY=sk-load-stand-in"
  else
    DATA_DIR="$tmp" PORT="$port" start runtime npx tsx bin/local.ts
  fi
  target="http://127.0.0.1:$port"
  for _ in $(seq 1 180); do curl -sf "$target/health" >/dev/null 2>&1 && break; sleep 1; done
  curl -sf "$target/health" >/dev/null || { echo "load: the runtime did not start"; tail -30 "$tmp/runtime.log"; exit 1; }
else
  : "${LOAD_USERS:?set LOAD_USERS to the CSV of email,password rows that load/setup-users.ts wrote for the target}"
  LOAD_USERS="$(cd "$(dirname "$LOAD_USERS")" && pwd)/$(basename "$LOAD_USERS")"
  export LOAD_USERS
fi

echo "load: target $target, users $(wc -l <"$LOAD_USERS") from $LOAD_USERS"
cp "$LOAD_USERS" load/reports/users.csv
rm -f load/reports/report.json
overrides=()
if [ -n "${LOAD_PHASES:-}" ]; then overrides=(--overrides "{\"config\":{\"phases\":$LOAD_PHASES}}"); fi
set +e
(cd load && ./node_modules/.bin/artillery run --target "$target" -o "$root/load/reports/report.json" \
  "${overrides[@]}" user-flow.yml >"$root/load/reports/artillery.log" 2>&1)
art=$?
set -e
tail -5 load/reports/artillery.log
[ -f "$tmp/runtime.log" ] && cp "$tmp/runtime.log" load/reports/runtime.log
[ "$art" -eq 0 ] || echo "load: artillery exited $art (see load/reports/artillery.log)"
npx tsx load/report.ts load/reports/report.json
