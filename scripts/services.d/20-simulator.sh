#!/usr/bin/env bash
# Device simulator: replays the real REFIT / UK-DALE homes over MQTT in real time (10 homes, a day of data),
# as the stack's `device` MQTT user.
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
SIM_HOMES=${SIM_HOMES:-10}
SIM_HOME_PREFIX=${SIM_HOME_PREFIX:-sim}
service_main simulator pipeline/src/simulator/cli.ts npx tsx pipeline/src/simulator/cli.ts --homes "$SIM_HOMES" --home-prefix "$SIM_HOME_PREFIX" --speed 1
