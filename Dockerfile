# trakx container: HTTP and UDP tracker on 1337, /metrics and /stats on the same port
# unless TRAKX_METRICS_PORT says otherwise. Configure with TRAKX_* variables (README).

# Build stage: all dependencies, then the esbuild bundle in dist/.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
# .npmrc keeps ignore-scripts=true: no install script runs or downloads anything.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json build.mjs ./
COPY app ./app
RUN npm run build

# Runtime stage: production dependencies, the bundle and the static pages only.
FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production \
    TRAKX_DB_BACKUP_PATH=/data/trakx.db
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The base image has Node: --omit=optional skips the node-linux-* binary that package.json pins.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force \
    && mkdir -p /data && chown node:node /data
COPY --from=build /src/dist ./dist
COPY app/web ./app/web
COPY bin ./bin
# The snapshot survives restarts when /data is a volume.
VOLUME /data
USER node
EXPOSE 1337/tcp 1337/udp
# No curl in the image: node itself asks /heartbeat.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TRAKX_HTTP_PORT || 1337) + '/heartbeat').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) makes trakx close its sockets and save the snapshot.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=8", "--min-semi-space-size=8", "dist/trakx.js", "run"]
