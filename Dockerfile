# livy-router container image.
#   docker build -t livy-router .
#   docker run -d --name livy-router -p 10090:10090 \
#     --group-add "$(getent group livy-router | cut -d: -f3)" \
#     -v /etc/livy-router:/etc/livy-router:ro livy-router
# The config is read from /etc/livy-router/config.yaml (mount the folder read-only). The router
# runs as uid 10090, gid 10090 (fixed, so host files can be granted to it): a config set up for
# the systemd unit (0640 root:livy-router) is readable with --group-add and the host group's id,
# as above. To scrape /metrics from outside the container, set `admin: { host: 0.0.0.0 }` in it
# and publish 9090. Same entry point as config/livy-router.service.
# Node.js 24, an LTS line (supported until April 2028); 20 reached its end of life in April 2026.
ARG NODE_IMAGE=node:24-bookworm-slim

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
RUN groupadd --system --gid 10090 livy-router \
 && useradd --system --uid 10090 --gid livy-router --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin livy-router \
 && mkdir -p /etc/livy-router
# Numeric, so Kubernetes runAsNonRoot can verify it.
USER 10090:10090
EXPOSE 10090 9090
# Where `livy-router status` (and so the HEALTHCHECK) finds the admin endpoint: change it together
# with `admin.port` in the config. With `admin: off`, run with --no-healthcheck.
ENV LIVY_ROUTER_ADMIN=127.0.0.1:9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "/opt/livy-router/dist/src/cli/main.js", "status", "--healthz", "--timeout-ms", "2000"]
# SIGTERM drains (shutdownGraceMs, default 30 s): give `docker stop` more, e.g. `--stop-timeout 45`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/livy-router/dist/src/cli/main.js"]
CMD ["run", "--config", "/etc/livy-router/config.yaml"]
