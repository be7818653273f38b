# The project's own services (Temporal worker, device simulator) for docker-compose.yml.
# Node version as in .nvmrc; TypeScript runs through tsx (no build step, as natively).
FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TZ=UTC ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
RUN npm ci --include=dev && npm cache clean --force
USER node
