#!/usr/bin/env bash
# The CarbonReducer API (api/, @carbonreducer/api): http://127.0.0.1:$API_PORT and https://127.0.0.1:$API_TLS_PORT,
# OpenAPI at /api/openapi.json.
ACTION=${1:-start}
# shellcheck source=_lib.sh
. "$(dirname "$0")/_lib.sh"
# HTTPS on API_TLS_PORT beside loopback HTTP, with the server certificate of the local CA that `scripts/stack` keeps in
# .stack/tls (clients verify with .stack/tls/ca.crt). Only this service sets them: test APIs stay HTTP-only.
export API_TLS_CERT_FILE=${API_TLS_CERT_FILE:-$STACK_STATE/tls/server.crt}
export API_TLS_KEY_FILE=${API_TLS_KEY_FILE:-$STACK_STATE/tls/server.key}
service_main api api/src/server.ts npx tsx api/src/server.ts
