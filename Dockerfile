# syntax=docker/dockerfile:1
#
# maracker as a container: `maracker run` against an existing Marathon, configured with
# MARACKER_* environment variables (every one is listed in docs/operations.md).
#
#   docker build -t maracker .
#   docker run -d -p 127.0.0.1:8090:8090 -v "$PWD/manifests:/manifests:ro" \
#     -e MARACKER_MARATHON_URL=http://marathon.example.org:8080 \
#     -e DATABASE_URL=postgres://maracker:secret@db.example.org/maracker maracker
#
# Node 24 is the active LTS line (security support until April 2028, the longest of the LTS
# lines); maracker needs Node 20.19 or later and uses nothing newer, so the base only moves
# the end-of-support date. bookworm-slim: glibc (as the prebuilt npm packages expect) and
# Debian's git, without compilers or curl.
#
# test/packaging/dockerfile.test.ts checks this file statically: stages, base image, user,
# health check, volume, entrypoint, no dev dependencies in the final stage, and every
# MARACKER_ variable against the daemon's own option declarations.

ARG VERSION=0.1.0

# Compiles TypeScript with the dev dependencies. --ignore-scripts: `prepare` would run the
# compiler before the sources are copied, and no install script is needed to compile
# (esbuild's serves the tests, the embedded PostgreSQL's serves `maracker up`).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.ui.json ./
COPY src ./src
RUN npm run build

# Production dependencies only. --omit=optional leaves out the embedded PostgreSQL binaries
# (about 60 MB): they only serve `maracker up`, the local all-in-one default. In a container
# the database comes from DATABASE_URL.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:24-bookworm-slim AS run
ARG VERSION
LABEL org.opencontainers.image.title="maracker" \
      org.opencontainers.image.description="Declarative reconciler daemon for Marathon: git-committed YAML manifests and PostgreSQL rows in, converged Marathon apps and a status endpoint out." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# git: maracker reports the HEAD commit of the manifests folder. Nothing here trusts
# directories git would refuse: maracker applies git's ownership rule itself and ignores the
# system configuration (docs/security.md). A checkout bind-mounted from the host should
# belong to the uid the container runs as (--user), or be named, that one path, in the
# running user's own ~/.gitconfig (safe.directory); otherwise /status shows no revision and
# says why.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY schemas ./schemas
# The state folder exists in the image, owned by the user that writes it, so that a volume
# mounted there starts with that owner (Docker copies it into a new named volume).
RUN chmod 0755 dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/maracker \
 && mkdir -p /manifests \
 && install -d -o node -g node -m 0700 /home/node/.local /home/node/.local/state

# Listen on every interface of the container (the daemon's own default, 127.0.0.1, would be
# unreachable through a published port) and read the manifests from the volume below.
ENV NODE_ENV=production \
    MARACKER_LISTEN=0.0.0.0:8090 \
    MARACKER_MANIFESTS=/manifests

# The "node" user (uid 1000) of the base image. maracker writes to disk only its caches (the
# parse cache and, with --git-url, its clone: /home/node/.cache/maracker), the route memory
# (/home/node/.local/state/maracker/routes: the routes of apps whose declarations break) and,
# without a database, the prune guard's ledger (/home/node/.local/state/maracker/prune). A
# restarted container keeps them; mount a volume on /home/node/.local/state for a new
# container to keep the memory and the ledger (docs/operations.md, prune guard and route
# memory). The ledger is locked by one daemon at a time:
# a container started after one that died deletes nothing for the first 30 s or so, until
# the dead one's lock is stale.
USER node
VOLUME ["/manifests"]
EXPOSE 8090

# /healthz needs no token and fails only when the process no longer serves HTTP. The port
# is taken from MARACKER_LISTEN, so changing the variable keeps the check right.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const l=process.env.MARACKER_LISTEN||'0.0.0.0:8090',i=l.lastIndexOf(':');let h=l.slice(0,i).replace(/^\\[|\\]$/g,'');if(!h||h==='0.0.0.0'||h==='::')h='127.0.0.1';if(h.includes(':'))h='['+h+']';fetch('http://'+h+':'+l.slice(i+1)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM (docker stop) lets in-flight writes finish within MARACKER_SHUTDOWN_TIMEOUT
# (default 10 s); give the container a longer stop timeout than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["maracker"]
CMD ["run"]
