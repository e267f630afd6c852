# Image of the onboarding worker and HTTP API; docker-compose.yml runs it twice, once per command.
# NOTE: Docker Engine does not run on the machines this project is built on, so this image has not
# been built yet.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

COPY tsconfig.json ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY plans ./plans

# tsx (a dependency) runs the TypeScript sources; the worker bundles workflows/ at start.
USER node
CMD ["node", "--import", "tsx", "worker/main.ts"]
