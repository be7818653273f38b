#!/bin/sh
# Builds the broker plugin carbonreducer_denials.so (carbonreducer_denials.c here) against Mosquitto's plugin headers
# (Debian: mosquitto-dev and libmosquitto-dev; Alpine: mosquitto-dev). Plugin interface version 5, as in every
# Mosquitto 2.0.x.
#   build.sh OUT.so
# Used by scripts/stack.d/mosquitto.sh (cached per source hash) and provisioning/mosquitto/Dockerfile (compose).
set -eu
out=${1:?usage: build.sh OUT.so}
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || { echo "denials/build.sh: no C compiler ($cc); install gcc (apt-get install gcc libc6-dev)" >&2; exit 1; }
printf '#include <mosquitto_broker.h>\n#include <mosquitto_plugin.h>\n#include <mosquitto.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 ||
  { echo "denials/build.sh: Mosquitto's plugin headers are missing (apt-get install mosquitto-dev libmosquitto-dev)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
"$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2 -fPIC -shared \
  -o "$out.tmp" "$here/carbonreducer_denials.c"
mv "$out.tmp" "$out"
