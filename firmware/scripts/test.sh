#!/usr/bin/env bash
# The firmware's host tests, for scripts/test.sh: build (CMake + Ninja), GoogleTest unit tests (golden fixtures of
# libs/telemetry through the C++ parsers and encoders), typecheck of the firmware's TypeScript, and a bounded libFuzzer
# run over the parsers. Writes OUT/summary.json {passed, failed, skipped} for the closing line; exit 1 on failure.
#   firmware/scripts/test.sh OUT_DIR   (FIRMWARE_FUZZ_S: fuzz seconds, default 30)
set -uo pipefail
FW=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:?usage: firmware/scripts/test.sh OUT_DIR}
FUZZ_S=${FIRMWARE_FUZZ_S:-30}
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.log
passed=0 failed=0 skipped=0
check() { # name rc
  if (($2 == 0)); then passed=$((passed + 1)); else failed=$((failed + 1)); echo "[firmware] FAILED: $1" >&2; fi
}

if ! bash "$FW/scripts/build.sh" --fuzz; then
  echo "[firmware] build failed" >&2
  echo '{"passed":0,"failed":1,"skipped":0}' >"$OUT/summary.json"
  exit 1
fi

# GoogleTest through ctest (one process per test, as ctest discovers them), plus gtest's own JSON for the counts.
(cd "$FW/build" && ctest --output-on-failure --timeout 120 -j2 >"$OUT/ctest.log" 2>&1)
ctest_rc=$?
"$FW/build/cr_core_tests" --gtest_output="json:$OUT/gtest.json" >"$OUT/gtest.log" 2>&1
gtest_rc=$?
if [[ -f $OUT/gtest.json ]]; then
  read -r gp gf gs < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    let p = 0, f = 0, s = 0;
    for (const suite of r.testsuites) for (const t of suite.testsuite) {
      if (t.result === "SKIPPED" || t.status === "NOTRUN") s++; else if (t.failures) f++; else p++;
    }
    console.log(p, f, s);' "$OUT/gtest.json")
  passed=$((passed + gp)) failed=$((failed + gf)) skipped=$((skipped + gs))
  ((gtest_rc == 0 || gf > 0)) || failed=$((failed + 1))
else
  check "gtest report" 1
fi
((ctest_rc == 0)) || { echo "[firmware] ctest failed, see $OUT/ctest.log" >&2; tail -30 "$OUT/ctest.log" >&2; }
check "ctest" "$ctest_rc"

# The integration helpers and the contract generator are TypeScript outside the npm workspaces' typecheck.
(cd "$FW/.." && npx tsc -p firmware --noEmit) >"$OUT/tsc.log" 2>&1
rc=$?
((rc == 0)) || cat "$OUT/tsc.log" >&2
check "typecheck firmware" "$rc"

# Fuzz: seeds are the contract's golden payloads, read from libs/telemetry at run time.
corpus=$(mktemp -d)
node -e '
  const fs = require("fs"), path = require("path");
  const [root, dir] = process.argv.slice(1);
  let i = 0;
  for (const f of ["device-messages.json", "golden.json"]) {
    for (const c of JSON.parse(fs.readFileSync(path.join(root, "libs/telemetry/fixtures", f), "utf8")).cases)
      fs.writeFileSync(path.join(dir, `seed-${i++}`), c.payload.replace(/\{\{[^}]*\}\}/g, "1796261400000"));
  }' "$FW/.." "$corpus"
nice "$FW/build-fuzz/cr_fuzz_commands" -max_total_time="$FUZZ_S" -max_len=2048 -rss_limit_mb=1024 -timeout=10 \
  -print_final_stats=1 "$corpus" >"$OUT/fuzz.log" 2>&1
rc=$?
grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$OUT/fuzz.log" >&2 || true
((rc == 0)) || tail -40 "$OUT/fuzz.log" >&2
check "fuzz (${FUZZ_S} s, parsers)" "$rc"
rm -rf "$corpus"

echo "{\"passed\":$passed,\"failed\":$failed,\"skipped\":$skipped}" >"$OUT/summary.json"
echo "[firmware] $passed passed, $failed failed, $skipped skipped" >&2
((failed == 0))
