# syntax=docker/dockerfile:1
# Tessera's image. The build stage compiles and packs the app exactly as `npm pack` does; the runtime stage
# installs that package with production dependencies only, pinned by the lockfile, and runs as an
# unprivileged user on a read-only root filesystem. test/deploy/install-layout.test.ts builds the same
# layout without a container daemon and starts it the same way.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json biome.json ./
COPY bin ./bin
COPY cli ./cli
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm pack --ignore-scripts --pack-destination /pkg && mv /pkg/tessera-*.tgz /pkg/tessera.tgz

FROM ${NODE_IMAGE} AS install
WORKDIR /app
COPY --from=build /pkg/tessera.tgz /tmp/tessera.tgz
COPY package-lock.json ./
RUN tar -xzf /tmp/tessera.tgz --strip-components=1 \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    TESSERA_DATA_DIR=/var/lib/tessera
# Plain HTTP on 0.0.0.0 is served only behind TESSERA_TRUSTED_PROXIES (a TLS-terminating proxy); or mount a
# certificate at /etc/tessera/tls and set TESSERA_TLS_CERT=/etc/tessera/tls/tls.crt, TESSERA_TLS_KEY=….key.
# Owned by root and not writable by the app's user: the app can change nothing but its volumes.
COPY --from=install /app /app
RUN mkdir -p /var/lib/tessera /etc/tessera/tls && chown node:node /var/lib/tessera
# Data (the embedded database, the console outbox) and keys (TLS) live on mounted volumes; run with
# `--read-only` (Kubernetes: readOnlyRootFilesystem) so nothing else can be written.
VOLUME ["/var/lib/tessera", "/etc/tessera/tls"]
USER node
WORKDIR /var/lib/tessera
EXPOSE 8080
# /readyz is what balancers should route on; the image's own health check asks only "does it serve?".
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=process.env.TESSERA_TLS_CERT?require('node:https'):require('node:http');p.get({host:'127.0.0.1',port:process.env.PORT,path:'/livez',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# A young generation of 32 MB semi-spaces: an audited request's objects live until its audit event commits,
# and with Node's default they are promoted and collected as old ones (README, "Running it").
ENTRYPOINT ["node", "--max-semi-space-size=32", "/app/bin/tessera.js"]
CMD ["serve"]
