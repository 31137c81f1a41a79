# vipd container image: multi-stage build, small runtime.
#
#   docker build -t vipd .
#   docker run -d --name vipd --restart unless-stopped \
#     --network host \
#     --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW \
#     -v /etc/keepalived:/etc/keepalived:ro \
#     vipd run -f /etc/keepalived/keepalived.conf
#
# Why these flags:
#   --network host      VRRP adverts (IP protocol 112), gratuitous ARP and the virtual IPs must be on the
#                       director's real interfaces, not on a container bridge.
#   --cap-add NET_RAW   raw VRRP sockets and the AF_PACKET socket for gratuitous ARP / unsolicited NA.
#   --cap-add NET_ADMIN adding/removing the VIPs, multicast membership, conntrack (connection sync).
#   --cap-drop ALL      nothing else is needed (vipd names the missing capability if one is).
#   -v /etc/keepalived  your keepalived.conf (and included files, sync keys) read-only; reload with
#                       `docker kill -s HUP vipd`.
# Metrics and `vipd status` listen on the host's 127.0.0.1:9651 by default (`--metrics-listen` to change):
#   docker exec vipd vipd status
# Track/notify scripts run inside the container: mount them too, and keep in mind the image has no shell tools
# beyond Debian slim's. See docs/deployment.md.

# ---- build: compile the native addon and the TypeScript -------------------------------------------------
# Same Debian release as the runtime stage, so the addon links against the glibc it will run with.
FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The image ships Node's headers; without this node-gyp would download them at build time.
ENV npm_config_nodedir=/usr/local
WORKDIR /src

# Dependencies and the addon first, so editing TypeScript does not rebuild them.
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
# --ignore-scripts: the package's own install/prepare scripts need files copied later; run them explicitly.
RUN npm ci --ignore-scripts \
 && npm run install

COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
RUN npx tsc -p . \
 && test -f build/Release/vipd_net.node \
 && node bin/vipd --version

# ---- runtime: node slim + compiled JS + addon + production dependencies ---------------------------------
FROM node:20-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="vipd" \
      org.opencontainers.image.description="keepalived-compatible VRRP failover agent for Linux load-balancer directors" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /opt/vipd

# Production dependencies only (all pure JavaScript). --ignore-scripts: the package's install script would
# rebuild the addon, which needs a compiler; the addon built above is copied instead.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/build/Release/vipd_net.node ./build/Release/vipd_net.node
COPY --from=build /src/bin ./bin
RUN ln -s /opt/vipd/bin/vipd /usr/local/bin/vipd \
 && vipd --version

# Runs as root inside the container, but only with the capabilities granted by `docker run` (NET_ADMIN,
# NET_RAW with --cap-drop ALL). vipd handles SIGTERM itself (priority-0 advert, VIPs removed, exit 0) and
# SIGHUP (reload), so no init shim is needed.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9651/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["vipd"]
CMD ["run", "-f", "/etc/keepalived/keepalived.conf"]
