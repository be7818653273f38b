#!/usr/bin/env bash
# Builds the firmware's host targets (core, unit tests, Linux virtual device, ESP32 board layer against stubs) into
# firmware/build with CMake + Ninja. Idempotent and incremental: a second run with nothing changed takes a second.
#   firmware/scripts/build.sh [--fuzz]   (--fuzz: also the libFuzzer build in firmware/build-fuzz, with clang)
set -euo pipefail
FW=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$FW/scripts/install-deps.sh"
if [[ ! -f $FW/build/build.ninja ]]; then
  cmake -S "$FW" -B "$FW/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
nice cmake --build "$FW/build" >&2
if [[ ${1:-} == --fuzz ]]; then
  if [[ ! -f $FW/build-fuzz/build.ninja ]]; then
    CXX=clang++ cmake -S "$FW" -B "$FW/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCR_BUILD_FUZZ=ON \
      -DCR_BUILD_TESTS=OFF -DCR_BUILD_LINUX_DEVICE=OFF >&2
  fi
  nice cmake --build "$FW/build-fuzz" --target cr_fuzz_commands >&2
fi
