# The project's own services (Temporal worker, API, device simulator) for docker-compose.yml.
# Node version as in .nvmrc; TypeScript runs through tsx (no build step, as natively).

# Native HiGHS 1.16 (libs/highs-native), built by the same install step as natively (scripts/stack.d/highs_native.sh),
# so the addon lands under the same cache key the loader computes; without it the worker would fall back to the
# WebAssembly HiGHS 1.15, whose tail is seconds instead of milliseconds (issue #16). Rust as on the dev machines.
FROM rust:1.95.0-slim-bookworm AS highs-native
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ make libclang-dev clang \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY provisioning/versions.env provisioning/ports.env provisioning/
COPY scripts/stack scripts/
COPY scripts/stack.d scripts/stack.d
COPY libs/highs-native libs/highs-native
ENV CR_CACHE=/opt/carbonreducer-cache
RUN bash scripts/stack install-one highs_native || { cat "$CR_CACHE/logs/highs_native-build.log"; exit 1; } \
  && rm -rf "$CR_CACHE/highs-native-target"

FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TZ=UTC ONNXRUNTIME_NODE_INSTALL=skip CR_CACHE=/opt/carbonreducer-cache
COPY . .
RUN npm ci --include=dev && npm cache clean --force
COPY --from=highs-native /opt/carbonreducer-cache /opt/carbonreducer-cache
USER node
