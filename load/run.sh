#!/usr/bin/env bash
# npm run load — the artillery user flow with P95 < 500 ms / P99 < 1 s `ensure` thresholds.
# Without TARGET_URL it starts the local runtime on a fresh data folder and runs against it.
# artillery is fetched by npx on first use (pinned; ~590 MB, kept out of `npm ci` and the test path).
set -euo pipefail
cd "$(dirname "$0")/.."
ARTILLERY="artillery@2.0.21"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p load/reports
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ -z "${TARGET_URL:-}" ]; then
  port="${LOAD_PORT:-3100}"
  data="$(mktemp -d)"
  DATA_DIR="$data" PORT="$port" npx tsx bin/local.ts >load/reports/local-runtime.log 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
  export TARGET_URL="http://127.0.0.1:$port"
  export LOAD_EMAIL="${LOAD_EMAIL:-demo@acme.test}" LOAD_PASSWORD="${LOAD_PASSWORD:-demo-password-123}"
fi
: "${LOAD_EMAIL:?set LOAD_EMAIL (and LOAD_PASSWORD) for the target}"
echo "load: target $TARGET_URL"
npx -y "$ARTILLERY" run --target "$TARGET_URL" -o load/reports/report.json load/user-flow.yml
