#!/usr/bin/env bash
# Builds the Dockerfile without a Docker engine and runs the image with no network:
#   1. debootstrap a minimal Debian bookworm, add this machine's Node.js and a `node` user,
#      import it as the local base image (no registry is reachable here);
#   2. buildah bud --isolation chroot with BASE_IMAGE pointing at it (and the embedded Postgres kept,
#      since a network-less container has no database to reach);
#   3. podman run --network none, then /health and one text lesson on the offline providers, from inside.
# Also builds the production variant (no embedded Postgres) and reports both sizes.
# Needs root and Debian's buildah, podman, runc, debootstrap. Not part of npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${VERIFY_IMAGE_WORK:-/var/tmp/content-worker-image}
BASE=localhost/content-worker-base:bookworm-node20
IMAGE=localhost/content-worker:verify
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

for tool in buildah podman runc debootstrap; do command -v $tool >/dev/null || { echo "missing $tool: apt-get install buildah podman runc debootstrap" >&2; exit 2; }; done

if ! "${PODMAN[@]}" image exists "$BASE"; then
  echo "== bootstrapping the base image"
  rm -rf "$WORK/rootfs" && mkdir -p "$WORK/rootfs"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
  NODE_BIN=$(command -v node)
  NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp "$NODE_BIN" "$WORK/rootfs/usr/local/bin/node"
  mkdir -p "$WORK/rootfs/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$WORK/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
  chroot "$WORK/rootfs" groupadd --gid 1000 node
  chroot "$WORK/rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$BASE" >/dev/null
fi

echo "== building (buildah, chroot isolation)"
CA=/etc/ssl/certs/ca-certificates.crt
buildah bud --isolation chroot --layers \
  --build-arg BASE_IMAGE="$BASE" --build-arg WITH_EMBEDDED_POSTGRES=true \
  -v "$CA:/host-ca.crt:ro" --env NODE_EXTRA_CA_CERTS=/host-ca.crt \
  -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
buildah bud --isolation chroot --layers --build-arg BASE_IMAGE="$BASE" \
  -v "$CA:/host-ca.crt:ro" --env NODE_EXTRA_CA_CERTS=/host-ca.crt \
  -t "$IMAGE-production" . >"$WORK/build-production.log" 2>&1 || { tail -40 "$WORK/build-production.log"; exit 1; }

echo "== running with no network"
# podman/runc cannot set rlimits in this sandbox, and buildah's chroot isolation cannot take --network none;
# so the container runs under buildah (chroot) inside a network namespace of its own that has only loopback.
buildah rm content-worker-verify >/dev/null 2>&1 || true
buildah from --name content-worker-verify "$IMAGE" >/dev/null
buildah config --env ALLOW_EMBEDDED_POSTGRES=true --env ALLOW_OFFLINE_PROVIDERS=true --env PUSH_AUTH_DISABLED=true \
  --env METADATA_SERVER_DETECTION=none content-worker-verify
trap 'buildah rm content-worker-verify >/dev/null 2>&1' EXIT
cat > "$WORK/check.js" <<'CHECK'

const base = "http://127.0.0.1:8080";
const wait = async () => { for (let i = 0; i < 120; i++) { try { if ((await fetch(base + "/health/ready")).ok) return; } catch {} await new Promise(r => setTimeout(r, 500)); } throw new Error("not ready in 60 s"); };
(async () => {
  await wait();
  const health = await fetch(base + "/health");
  console.log("GET /health", health.status, await health.text());
  const request = { request_id: "0d7a2c1e-1b2c-4d5e-8f90-123456789abc", student_id: "image-check", student_query: "How do magnets attract iron?", grade_level: 3, modality: "text" };
  const res = await fetch(base + "/pubsub/push", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: { data: Buffer.from(JSON.stringify(request)).toString("base64"), messageId: "1" }, subscription: "image-check" }) });
  const body = await res.json();
  console.log("POST /pubsub/push", res.status, JSON.stringify(body));
  if (health.status !== 200 || res.status !== 200 || body.outcome !== "completed") process.exit(1);
})().catch(e => { console.error(e); process.exit(1); });
CHECK
buildah copy content-worker-verify "$WORK/check.js" /tmp/check.js >/dev/null
unshare --net sh -euc '
  ip link set lo up
  if ip -o link | grep -v " lo:" | grep -q .; then echo "a network interface besides loopback exists" >&2; exit 1; fi
  setsid buildah run --isolation chroot content-worker-verify -- node --no-allocation-site-pretenuring dist/service/main.js > "$1/container.log" 2>&1 &
  service=$!
  status=0
  buildah run --isolation chroot content-worker-verify -- node /tmp/check.js || status=$?
  # buildah-chroot-runtime puts the service in a session of its own: signal node itself, by the path node has in the image.
  pkill -TERM -f "^/usr/local/bin/node --no-allocation-site-pretenuring dist/service/main.js" || true
  wait "$service" || true
  exit $status
' sh "$WORK"

size() { "${PODMAN[@]}" image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'; }
echo "== image sizes: production $(size "$IMAGE-production"), with embedded Postgres $(size "$IMAGE")"
echo "image verified"
