# Flotilla: web + worker in one image. Run `node src/main.ts web` and `node src/main.ts worker`
# as separate containers to scale workers; point them at one Redis with REDIS_URL.
FROM node:24-bookworm-slim

# git for mirrors and worktrees; ca-certificates for GitHub and the model API; procps for
# finding an agent's leftover processes; redis-server only for the embedded default.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates procps redis-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies stay on: the pinned Claude CLI's native binary comes from one.
RUN npm ci --omit=dev --include=optional --no-audit --no-fund && node_modules/.bin/claude --version

COPY app.yml ./
COPY src ./src

# Agents run as an unprivileged user (the CLI also refuses to skip permissions as root).
RUN useradd --create-home --uid 10001 flotilla && mkdir -p /data && chown flotilla /data
USER flotilla
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
VOLUME ["/data"]
EXPOSE 3000
CMD ["node", "src/main.ts", "all"]
