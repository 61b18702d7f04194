# syntax=docker/dockerfile:1
# The Drydock worker image: compiled code (npm run build) with its workflows pre-bundled, production npm
# packages only, ipmitool for the IPMI BMCs, run as a non-root user. One image, three commands:
#   docker run IMAGE                                              the worker (dist/worker/run.js, the default)
#   docker run IMAGE node dist/worker/codecServer.js              the payload codec server for the Web UI
#   docker run IMAGE node dist/worker/registerSearchAttributes.js Drydock's search attributes, once per namespace
#   docker run IMAGE node bin/drydock.js task list                the CLI
# Build: docker build -t drydock-temporal .
ARG NODE_IMAGE=node:22-bookworm-slim

# --- npm packages for the build (dev dependencies included: tsc, the workflow bundler's types) ---------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: postinstall builds the Temporal CLI for the dev server, which the image never runs.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js scripts/buildState.js scripts/
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY client client
COPY design design
COPY drivers drivers
COPY emulators emulators
COPY common common
RUN npm run build

# --- production npm packages only ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ipmitool ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 drydock \
 && useradd --system --uid 10001 --gid drydock --home-dir /app --shell /usr/sbin/nologin drydock \
 && install -d -o 10001 -g 10001 /var/lib/drydock
WORKDIR /app
# The code is root's and read-only to the worker; its state (build data in files when DRYDOCK_BUILD_DATA_URL is
# unset) goes to a directory of its own, a volume in compose and Kubernetes.
ENV NODE_ENV=production DRYDOCK_STATE_DIR=/var/lib/drydock
VOLUME /var/lib/drydock
COPY --from=deps /src/node_modules node_modules
# dist/ holds its build stamp: without the TypeScript sources beside it, bin/drydock.js runs it as current.
COPY --from=build /src/dist dist
COPY package.json ./
COPY bin bin
COPY scripts/buildState.js scripts/launch.js scripts/
COPY examples examples
USER 10001:10001
# 9000: Drydock's API (boot action reports); 8888: the codec server; 9464: Prometheus metrics.
EXPOSE 9000 8888 9464
CMD ["node", "dist/worker/run.js"]
