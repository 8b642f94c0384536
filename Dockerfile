# uv-pin-bot GitHub App image.
# Build: docker build -t uv-pin-bot .
# The base image is pinned by tag only (no digest) for now.

# --- build: compile TypeScript to dist/ ---
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no lifecycle scripts (none are needed, and none may reach the network).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production: runtime dependencies and compiled output only ---
FROM node:24-slim AS production
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY app.yml ./
# Files stay owned by root (read-only for the app); the process runs as the image's non-root user.
USER node
EXPOSE 3000
CMD ["node", "dist/start.js"]
