#!/usr/bin/env bash
# CarbonReducer test run: install, start the native stack, lint, typecheck, unit and integration tests.
# Exits non-zero when any step fails (every step still runs, so one report shows everything).
# The stack is left running for the next run (fast); stop it with `bash scripts/stack down`.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
export TZ=UTC

log() { printf '[test %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Setup failures stop the run: nothing after them could pass.
set -e
log "npm ci"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
timeout --kill-after=30s 45m bash scripts/stack install
timeout --kill-after=30s 10m bash scripts/stack up
set +e

failed=()
# Each step has a time bound, so one hung test (a worker polling a stopped server once kept Jest alive for 85 min)
# fails its step with a message instead of eating CI's 90 minutes. `timeout` signals the step's whole process group.
step() {
  local name=$1 limit=$2 t0=$SECONDS rc
  shift 2
  log "$name"
  timeout --kill-after=30s "$limit" "$@"
  rc=$?
  if ((rc == 0)); then
    log "$name: ok ($((SECONDS - t0))s)"
  else
    ((rc == 124 || rc == 137)) && log "$name: did not finish within $limit (a hung test or server; see its output above)"
    log "$name: FAILED ($((SECONDS - t0))s)"
    failed+=("$name")
  fi
}

step lint 10m npm run lint
step typecheck 10m npm run typecheck
mkdir -p .stack
rm -f .stack/firmware-test/summary.json .stack/jest-unit.json .stack/jest-integration.json .stack/go-test/telegraf.json
# --forceExit (unit and integration): a handle left open after Jest has printed its summary must not hang CI; the
# time-skipping helpers stop their workers themselves (workflows/src/testing/temporalTestEnv.ts).
step "unit tests" 25m npm run test:unit -- --forceExit --json --outputFile=.stack/jest-unit.json
# Telegraf's telemetry-contract processor is Go; its tests (golden fixtures shared with the TS validator, JSON edge
# cases, delivery tracking) run with Go's own runner and count in the closing line.
mkdir -p .stack/go-test
step "go tests (telegraf processor and patches)" 10m bash -c 'provisioning/telegraf/build.sh --test >"$0"' \
  "$REPO_ROOT/.stack/go-test/telegraf.json"
# The Keycloak provider's JUnit tests (identity/keycloak-sms-otp, Maven Surefire; JDK 21+ as the stack picks it);
# their Surefire XML reports count in the closing line.
rm -rf identity/keycloak-sms-otp/target/surefire-reports
step "java tests (keycloak provider)" 10m bash -c '. scripts/stack.d/_java.sh && cd identity/keycloak-sms-otp &&
  JAVA_HOME=$CR_JAVA_HOME nice mvn -B -q test'
# Firmware (C++): CMake/Ninja build, GoogleTest via ctest, libFuzzer for 30 s; counts in the closing line. Before the
# integration tests, whose virtual-device test then finds the build warm.
step "firmware tests (C++ core, fuzz)" 15m bash firmware/scripts/test.sh "$REPO_ROOT/.stack/firmware-test"
# Grafana plugins: built into their dist/ (the integration step's browser tests load them); the data source's Go tests
# (unit, and integration against the real API with real Keycloak tokens) count in the closing line.
step "build grafana plugins" 15m npm run build -w @carbonreducer/grafana-schedule-panel \
  -w @carbonreducer/grafana-datasource -w @carbonreducer/grafana-app
step "go tests (grafana data source)" 15m bash -c 'rm -f "$0" && npx tsx grafana-plugins/carbonreducer-datasource/integration/run.ts "$0"' \
  "$REPO_ROOT/.stack/go-test/grafana-datasource.json"
step "integration tests" 30m npm run test:integration -- --forceExit --json --outputFile=.stack/jest-integration.json

# One closing line for every test run, in the plain `N passed, N failed` form CI reads. A report that is missing
# (Jest crashed before writing it) counts as a failure.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; console.error(`[test] no report ${f}`); continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; skipped += r.numPendingTests;
  }
  // go test -json: one event per line; a test counts once, by its final pass/fail/skip event.
  for (const goReport of [".stack/go-test/telegraf.json", ".stack/go-test/grafana-datasource.json"]) {
  if (!fs.existsSync(goReport)) { failed++; console.error(`[test] no report ${goReport}`); }
  else {
    let goFailed = 0, packageFailed = false;
    for (const line of fs.readFileSync(goReport, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      const e = JSON.parse(line);
      if (!e.Test) { packageFailed ||= e.Action === "fail"; continue; }
      if (e.Action === "pass") passed++; else if (e.Action === "fail") goFailed++; else if (e.Action === "skip") skipped++;
    }
    // A package that fails without a failing test did not build or crashed: one failure.
    failed += goFailed || (packageFailed ? 1 : 0);
  }
  }
  // Maven Surefire XML (Keycloak provider): one <testsuite tests failures errors skipped> per test class.
  const surefire = "identity/keycloak-sms-otp/target/surefire-reports";
  const suites = fs.existsSync(surefire) ? fs.readdirSync(surefire).filter((f) => /^TEST-.*\.xml$/.test(f)) : [];
  if (suites.length === 0) { failed++; console.error(`[test] no reports in ${surefire}`); }
  for (const f of suites) {
    const head = /<testsuite\b[^>]*>/.exec(fs.readFileSync(`${surefire}/${f}`, "utf8"))?.[0] ?? "";
    const n = (k) => Number(new RegExp(`\\b${k}="(\\d+)"`).exec(head)?.[1] ?? 0);
    passed += n("tests") - n("failures") - n("errors") - n("skipped");
    failed += n("failures") + n("errors"); skipped += n("skipped");
  }
  // Firmware (firmware/scripts/test.sh): gtest cases, ctest, typecheck and the fuzz run, summed there.
  const fw = ".stack/firmware-test/summary.json";
  if (!fs.existsSync(fw)) { failed++; console.error(`[test] no report ${fw}`); }
  else { const r = JSON.parse(fs.readFileSync(fw, "utf8")); passed += r.passed; failed += r.failed; skipped += r.skipped; }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' .stack/jest-unit.json .stack/jest-integration.json

if ((${#failed[@]})); then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all passed"
