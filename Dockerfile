# The keeper as a container. Build: docker build -t perps-keeper .
# Run: docker run -v $PWD/deployments:/deployments:ro -e KEEPER_PRIVATE_KEY=0x... \
#        -e KEEPER_RPC_URLS=https://... -e KEEPER_CHAIN_ID=... -e KEEPER_ADDRESS_BOOK=/deployments/<id>.json perps-keeper

# Build stage: every dependency, the contracts compiled and their ABIs generated (sdk/src/abis.ts,
# which the keeper imports), then the keeper's runtime file set copied out by the same script that
# CI checks (scripts/keeper-runtime.ts).
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run sdk:abis && node scripts/keeper-runtime.ts --out /runtime

# Runtime stage: Node, the keeper's source, the generated ABIs it imports and its production packages only
# (no Hardhat, no solc, no test tools), run as the unprivileged `node` user.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    KEEPER_METRICS_HOST=0.0.0.0 \
    KEEPER_METRICS_PORT=9464 \
    KEEPER_STATE_FILE=/state/state.json
WORKDIR /app
COPY --from=build /runtime/ ./
RUN mkdir -p /state && chown node:node /state
USER node
VOLUME ["/state"]
EXPOSE 9464
# /health fails when the loop has not completed a tick within healthMaxTickAgeMs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.KEEPER_METRICS_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (no shell or npm in between to swallow it).
ENTRYPOINT ["node", "keeper/cli.ts"]
CMD ["run"]
