#!/usr/bin/env bash
# The CarbonReducer API (api/, @carbonreducer/api): http://127.0.0.1:$API_PORT, OpenAPI at /api/openapi.json.
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
service_main api api/src/server.ts npx tsx api/src/server.ts
