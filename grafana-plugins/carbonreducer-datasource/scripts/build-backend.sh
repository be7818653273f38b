#!/usr/bin/env bash
# Builds the data source's Go backend into dist/ for the platforms Grafana's Linux images run on (Grafana looks for
# <executable>_<os>_<arch> next to plugin.json). Static (CGO off), stripped; Go's build cache keeps rebuilds fast.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(node -p 'require("./src/plugin.json").executable')
mkdir -p dist
for arch in ${GRAFANA_PLUGIN_ARCHES:-amd64 arm64}; do
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch nice go build -trimpath -ldflags '-s -w' -o "dist/${exe}_linux_${arch}" ./pkg
done
