#!/usr/bin/env bash
# Builds Telegraf from its Go module with CarbonReducer's telemetry processor (pipeline/telegraf-processor) compiled
# in and our fixes to Telegraf's own plugins (pipeline/telegraf-patches/*.patch) applied.
#   provisioning/telegraf/build.sh VERSION OUT_BINARY
#   provisioning/telegraf/build.sh --sources   the files that go into the build (what the native cache key hashes)
#   provisioning/telegraf/build.sh --test [VERSION]
#       `go test -json` of the processor and of every patched Telegraf package (with the tests under
#       pipeline/telegraf-patches/plugins/… in place of upstream's, which need Docker), on stdout; VERSION defaults
#       to TELEGRAF_VERSION in provisioning/versions.env. Used by scripts/test.sh.
# Used by scripts/stack.d/telegraf.sh (native stack, cached by version + tags + source hash) and by Dockerfile
# (compose). Telegraf's module has no replace directives; a writable copy of it gets the patches, the processor as
# plugins/processors/carbonreducer_telemetry and its registration file in plugins/processors/all/, selected like every
# other plugin by the build tag `processors.carbonreducer_telemetry`.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
plugin_dir=$repo_root/pipeline/telegraf-processor
patch_dir=$repo_root/pipeline/telegraf-patches
plugin_sources() {
  local f
  for f in "$plugin_dir"/*.go; do [[ $f == *_test.go ]] || echo "$f"; done
}
patches() { find "$patch_dir" -maxdepth 1 -name '*.patch' | LC_ALL=C sort; }
if [[ ${1:-} == --sources ]]; then
  plugin_sources
  patches
  exit 0
fi

mode=build
if [[ ${1:-} == --test ]]; then
  mode=test
  version=${2:-$(sed -n 's/^TELEGRAF_VERSION=//p' "$repo_root/provisioning/versions.env")}
else
  version=${1:?usage: build.sh VERSION OUT_BINARY | --sources | --test [VERSION]}
  out=${2:?usage: build.sh VERSION OUT_BINARY}
fi
# Every plugin compiled in (with `custom`, only plugins named by a tag are); add a tag when a telegraf.d/ file needs
# another plugin. TELEGRAF_BUILD_TAGS overrides the list. inputs.http + parsers.prometheus scrape the services' /metrics
# (telegraf.d/operations.conf): inputs.prometheus would do the same for fixed URLs but compiles in Kubernetes and
# Consul discovery clients.
tags=${TELEGRAF_BUILD_TAGS:-custom,inputs.mqtt_consumer,inputs.http_listener_v2,inputs.internal,inputs.http,parsers.prometheus,outputs.influxdb_v2,outputs.health,parsers.json_v2,parsers.json,parsers.influx,parsers.value,processors.converter,processors.carbonreducer_telemetry}

src=$(cd / && go mod download -json "github.com/influxdata/telegraf@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || { echo "build.sh: go mod download of telegraf v$version gave no source directory" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/telegraf-build.XXXXXX")
trap 'chmod -R u+w "$work" && rm -rf "$work"' EXIT
cp -R "$src/." "$work/"
chmod -R u+w "$work"

# Our fixes to Telegraf itself, each with its reason and test named in the patch header.
while read -r p; do
  [[ -n $p ]] || continue
  patch -d "$work" -p1 --forward --quiet <"$p" || { echo "build.sh: $p does not apply to telegraf v$version" >&2; exit 1; }
  echo "applied $(basename "$p")" >&2
done < <(patches)

dest=$work/plugins/processors/carbonreducer_telemetry
mkdir -p "$dest"
plugin_sources | while read -r f; do cp "$f" "$dest/"; done
cat >"$work/plugins/processors/all/carbonreducer_telemetry.go" <<'GO'
//go:build !custom || processors || processors.carbonreducer_telemetry

package all

import _ "github.com/influxdata/telegraf/plugins/processors/carbonreducer_telemetry" // register plugin
GO

if [[ $mode == test ]]; then
  (cd "$plugin_dir" && go test -json .) || rc=$?
  # Each patched package is tested with our tests only: upstream's start containers (Docker), which CI has not.
  while read -r t; do
    rel=${t#"$patch_dir"/}
    pkg=$(dirname "$rel")
    rm -f "$work/$pkg"/*_test.go
    cp "$t" "$work/$pkg/"
  done < <(find "$patch_dir/plugins" -name '*_test.go' | LC_ALL=C sort)
  pkgs=$(find "$patch_dir/plugins" -name '*_test.go' -printf '%h\n' | sed "s|^$patch_dir/|./|" | sort -u)
  # shellcheck disable=SC2086 # one argument per package
  (cd "$work" && go test -json -count=1 $pkgs) || rc=$?
  exit "${rc:-0}"
fi

mkdir -p "$(dirname "$out")"
cd "$work"
CGO_ENABLED=0 go build -tags "$tags" -trimpath \
  -ldflags "-s -w -X github.com/influxdata/telegraf/internal.Version=$version" \
  -o "$out.tmp" ./cmd/telegraf
echo "built telegraf v$version with tags $tags"
mv "$out.tmp" "$out"
