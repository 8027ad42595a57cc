# livy-router container image.
#   docker build -t livy-router .
#   docker run -d --name livy-router -p 10090:10090 \
#     -v /etc/livy-router:/etc/livy-router:ro livy-router
# The config is read from /etc/livy-router/config.yaml (mount the folder read-only). To scrape
# /metrics from outside the container, set `admin: { host: 0.0.0.0 }` in it and publish 9090.
# Same entry point as config/livy-router.service: node dist/src/cli/main.js run --config ...
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` runs tsc, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
# sim/ only so the demo command type-checks; the image takes dist/src alone, never dist/sim.
COPY src ./src
COPY sim ./sim
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /opt/livy-router
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts because `prepare` needs TypeScript (a dev
# dependency) and the compiled code comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
RUN groupadd --system livy-router \
 && useradd --system --gid livy-router --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin livy-router \
 && mkdir -p /etc/livy-router
USER livy-router
EXPOSE 10090 9090
# Where the HEALTHCHECK finds the admin endpoint (only the check reads it): change it together
# with `admin.port` in the config. Node itself does the request: slim images have no curl.
ENV LIVY_ROUTER_ADMIN=127.0.0.1:9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://' + process.env.LIVY_ROUTER_ADMIN + '/healthz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (shutdownGraceMs, default 30 s): give `docker stop` more, e.g. `--stop-timeout 45`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/livy-router/dist/src/cli/main.js"]
CMD ["run", "--config", "/etc/livy-router/config.yaml"]
