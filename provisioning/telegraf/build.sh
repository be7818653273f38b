#!/usr/bin/env bash
# Builds Telegraf from its Go module with CarbonReducer's telemetry processor (plugin/) compiled in.
#   provisioning/telegraf/build.sh VERSION OUT_BINARY
#   provisioning/telegraf/build.sh --sources   the plugin files compiled in (what the native cache key hashes)
# Used by scripts/stack.d/telegraf.sh (native stack, cached by version + tags + plugin source hash) and by
# Dockerfile (compose). Telegraf's module has no replace directives; a writable copy of it gets the plugin as
# plugins/processors/carbonreducer_telemetry plus its registration file in plugins/processors/all/, selected like
# every other plugin by the build tag `processors.carbonreducer_telemetry`.
set -euo pipefail

plugin_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/plugin" && pwd)
plugin_sources() {
  local f
  for f in "$plugin_dir"/*.go; do [[ $f == *_test.go ]] || echo "$f"; done
}
if [[ ${1:-} == --sources ]]; then
  plugin_sources
  exit 0
fi

version=${1:?usage: build.sh VERSION OUT_BINARY}
out=${2:?usage: build.sh VERSION OUT_BINARY}
# Every plugin compiled in (with `custom`, only plugins named by a tag are); add a tag when a telegraf.d/ file needs
# another plugin. TELEGRAF_BUILD_TAGS overrides the list.
tags=${TELEGRAF_BUILD_TAGS:-custom,inputs.mqtt_consumer,inputs.http_listener_v2,inputs.internal,outputs.influxdb_v2,outputs.health,parsers.json_v2,parsers.json,parsers.influx,parsers.value,processors.converter,processors.carbonreducer_telemetry}

src=$(cd / && go mod download -json "github.com/influxdata/telegraf@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || { echo "build.sh: go mod download of telegraf v$version gave no source directory" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/telegraf-build.XXXXXX")
trap 'chmod -R u+w "$work" && rm -rf "$work"' EXIT
cp -R "$src/." "$work/"
chmod -R u+w "$work"

dest=$work/plugins/processors/carbonreducer_telemetry
mkdir -p "$dest"
plugin_sources | while read -r f; do cp "$f" "$dest/"; done
cat >"$work/plugins/processors/all/carbonreducer_telemetry.go" <<'GO'
//go:build !custom || processors || processors.carbonreducer_telemetry

package all

import _ "github.com/influxdata/telegraf/plugins/processors/carbonreducer_telemetry" // register plugin
GO

mkdir -p "$(dirname "$out")"
cd "$work"
CGO_ENABLED=0 go build -tags "$tags" -trimpath \
  -ldflags "-s -w -X github.com/influxdata/telegraf/internal.Version=$version" \
  -o "$out.tmp" ./cmd/telegraf
echo "built telegraf v$version with tags $tags"
mv "$out.tmp" "$out"
