# Flotilla: web + worker in one image. Run `node src/main.ts web` and `node src/main.ts worker`
# as separate containers to scale workers; point them at one Redis with REDIS_URL (compose.yaml
# does this). README, Deploy says what the host must allow for the agent sandbox.
FROM node:24-bookworm-slim

# git for mirrors and agents' repositories; ca-certificates for GitHub and the model API;
# bubblewrap for the agent sandbox (a production worker refuses to run agents without it);
# tini as the init (signals to Flotilla, reaping what agents' tools leave behind) and, when the
# sandbox is off, as each agent's subreaper, so that stopping it also ends what it detached; util-linux's
# setpriv stops an embedded redis-server with its Flotilla; redis-server only for that default.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap tini procps util-linux redis-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies stay on: the pinned Claude CLI's native binary comes from one.
RUN npm ci --omit=dev --include=optional --no-audit --no-fund && node_modules/.bin/claude --version

COPY app.yml ./
COPY src ./src

# Agents run as an unprivileged user (the CLI also refuses to skip permissions as root).
RUN useradd --create-home --uid 10001 flotilla && mkdir -p /data && chown flotilla /data && chmod 700 /data
USER flotilla
# The ops listener on every interface, so an orchestrator reaches /healthz and /readyz; /metrics
# still answers beyond the container only with OPS_TOKEN.
ENV NODE_ENV=production DATA_DIR=/data PORT=3000 OPS_HOST=0.0.0.0
VOLUME ["/data"]
# 3000: webhooks, pages, / and health; 9464 / 9465: the ops listener of the web / worker role.
EXPOSE 3000 9464 9465
# /healthz on the ops port of whichever role runs (OPS_PORT, else 9464 for all/web, 9465 for worker).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const ports=process.env.OPS_PORT?[process.env.OPS_PORT]:[9464,9465];Promise.any(ports.map(p=>fetch('http://127.0.0.1:'+p+'/healthz').then(r=>{if(!r.ok)throw r.status}))).then(()=>process.exit(0),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts", "all"]
