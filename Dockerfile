# syntax=docker/dockerfile:1
# Build stage: dev dependencies, then a production build into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json esbuild.config.mjs ./
COPY protocol ./protocol
COPY plane ./plane
COPY web ./web
COPY workers ./workers
COPY sw ./sw
COPY server ./server
COPY headless ./headless
RUN NODE_ENV=production node esbuild.config.mjs

# Run stage: production dependencies only, non-root, dumb-init as PID 1 so signals reach Node.
FROM node:20-bookworm-slim AS run
RUN apt-get update && apt-get install -y --no-install-recommends dumb-init && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=8080 STUN_PORT=3478 TURN_PORT=3479 TURN_LISTEN_IP=0.0.0.0 TURN_RELAY_PORTS=49160-49259
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080/tcp 3478/udp 3479/udp 49160-49259/udp
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health').then(r=>r.json()).then(h=>process.exit(h.status==='ok'?0:1),()=>process.exit(1))"]
ENTRYPOINT ["dumb-init", "--"]
# The server; the same image runs the headless peer too: `docker run IMAGE node dist/headless/shoal.js seed …`.
CMD ["node", "dist/server/main.js"]
