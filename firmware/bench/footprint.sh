#!/usr/bin/env bash
# Code size of the portable core and RAM of its fixed buffers, measured on this host (x86-64, g++ -Os, unused
# sections dropped as the ESP-IDF link does). No Xtensa/RISC-V toolchain can be fetched here; on the ESP32 expect
# the same order (Xtensa/RV32 code is usually a little denser than x86-64).
#   firmware/bench/footprint.sh
set -euo pipefail
FW=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
FLAGS=(-std=c++17 -Os -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections -I"$FW/core/include")
echo "== core objects (g++ $(g++ -dumpversion) -Os, x86-64): text data bss"
total=0
for src in "$FW"/core/src/*.cpp; do
  obj=$OUT/$(basename "${src%.cpp}").o
  g++ "${FLAGS[@]}" -c "$src" -o "$obj"
  read -r text data bss _ < <(size "$obj" | tail -1)
  printf '  %-14s %7d %5d %6d\n' "$(basename "$src")" "$text" "$data" "$bss"
  total=$((total + text))
done
echo "  all objects: $total bytes of code (includes the host-only validator)"
g++ "${FLAGS[@]}" "$FW/bench/footprint_probe.cpp" "$OUT"/*.o -Wl,--gc-sections -o "$OUT/probe"
g++ "${FLAGS[@]}" "$FW/bench/baseline_probe.cpp" -Wl,--gc-sections -o "$OUT/baseline"
read -r pt pd pb _ < <(size "$OUT/probe" | tail -1)
read -r bt bd bb _ < <(size "$OUT/baseline" | tail -1)
echo "== linked as a plug uses it (device, ring, commands, metering, encoders; --gc-sections), minus the libc baseline"
echo "  code $((pt - bt)) bytes, data $((pd - bd)) bytes, bss $((pb - bb)) bytes (bss includes the probe's 24 KiB RAM flash)"
echo "== RAM of the core's fixed buffers (sizeof, bytes)"
"$OUT/probe" --sizes | sed 's/^/  /'
