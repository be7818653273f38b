#!/usr/bin/env bash
# Prints what the native stack costs: warm `install` time per server and the resident memory of each running
# server (sum of RSS over its process group, i.e. the server and its children). Run by hand:
#   bash scripts/bench/stack-footprint.sh
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_STATE=${STACK_STATE:-$REPO_ROOT/.stack}

echo "== warm install, per server (seconds)"
for name in postgres mosquitto influxdb telegraf temporal keycloak temporal_test_server; do
  start=$(date +%s.%N)
  bash "$REPO_ROOT/scripts/stack" install-one "$name" >/dev/null 2>&1 || echo "  ($name: install-one failed)"
  printf '  %-22s %6.2f\n' "$name" "$(echo "$(date +%s.%N) - $start" | bc)"
done

echo "== resident memory of the running servers (MiB, RSS summed over each process group)"
total=0
for pidfile in "$STACK_STATE"/*.pid; do
  [[ -f $pidfile ]] || continue
  name=$(basename "$pidfile" .pid)
  pgid=$(cat "$pidfile")
  kb=$(ps -e -o pgid=,rss= | awk -v g="$pgid" '$1 == g { s += $2 } END { print s + 0 }')
  ((kb > 0)) || continue
  total=$((total + kb))
  printf '  %-22s %8.1f\n' "$name" "$(echo "$kb / 1024" | bc -l)"
done
printf '  %-22s %8.1f\n' TOTAL "$(echo "$total / 1024" | bc -l)"
