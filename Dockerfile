# uv-pin-bot GitHub App image.
# Build: docker build -t uv-pin-bot .
#
# Base: node:24-slim pinned by its multi-arch index digest (tag@sha256:<index digest>), as this
# project asks of every image. The digest is the index digest published for node:24-slim in
# docker-library/repo-info (Node 24.19.0, built 2026-08-03); it was not checked against the registry
# from the machine that wrote it (no registry access there). The tag has moved on since (Node 24.22):
# refresh with `docker buildx imagetools inspect node:24-slim` (the "Digest:" line) and update both
# FROM lines together.

# --- build: compile TypeScript to dist/ ---
FROM node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no lifecycle scripts (none are needed, and none may reach the network).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- production: runtime dependencies and compiled output only ---
FROM node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f AS production
# HOST=0.0.0.0: Probot listens on HOST (default localhost, which inside a container is the
# container's own loopback and unreachable through -p).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY app.yml ./
# Files stay owned by root (read-only for the app); the process runs as the image's non-root user.
USER node
EXPOSE 3000
# GET /ping through the app's own health check (no curl in the slim image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
# The app handles SIGTERM itself (stops accepting, lets running work finish within
# UV_PIN_BOT_SHUTDOWN_TIMEOUT seconds, default 8, then exits 0), with or without --init.
STOPSIGNAL SIGTERM
# --optimize-for-size: V8 grows the heap only as needed (the live heap of a worker is ~35 MB);
# peak RSS per worker in the N=5,000 sweep bench 127-136 MB with it, 169-263 MB without.
CMD ["node", "--optimize-for-size", "dist/start.js"]
