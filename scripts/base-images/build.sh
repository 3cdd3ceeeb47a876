#!/usr/bin/env bash
# Builds pier's local base images without any registry:
#   pier-base/debian:bookworm  (debootstrap minbase, docker import)
#   pier-base/bun:1            (the above + the Bun binary at /usr/local/bin/bun)
# Idempotent: an image that already exists is skipped. Needs root (debootstrap).
# Env: PIER_BASE_SUITE (default bookworm), PIER_BASE_MIRROR (default: the Debian mirror this
#      machine's apt uses, from scripts/debian-mirror.sh),
#      BUN_BINARY (default: the bun on PATH), PIER_BASE_FORCE=1 to rebuild.
set -euo pipefail

suite="${PIER_BASE_SUITE:-bookworm}"
mirror="${PIER_BASE_MIRROR:-}"
debian_image="pier-base/debian:${suite}"
bun_image="pier-base/bun:1"
force="${PIER_BASE_FORCE:-0}"

log() { printf '[base-images] %s\n' "$*"; }
started=$(date +%s)

need_apt=()
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v docker >/dev/null 2>&1 || need_apt+=(docker.io)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]} (apt-get)"
  # Another process may hold the dpkg lock; apt waits for it with this option.
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need_apt[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  log "docker daemon not reachable; starting dockerd (log: /tmp/dockerd.log)"
  dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /tmp/dockerd.log"; exit 1; }
fi

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

if [[ "$force" != "1" ]] && image_exists "$debian_image"; then
  log "$debian_image exists, skipping"
else
  [[ -n "$mirror" ]] || mirror=$(sh "$(dirname "$0")/../debian-mirror.sh")
  rootfs=$(mktemp -d /tmp/pier-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap --variant=minbase $suite into $rootfs (about a minute)"
  t0=$(date +%s)
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/tmp/pier-debootstrap.log 2>&1 ||
    { tail -n 30 /tmp/pier-debootstrap.log; log "debootstrap failed (full log: /tmp/pier-debootstrap.log)"; exit 1; }
  # Shrink the image: apt lists and caches are not needed at runtime.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  log "debootstrap done in $(($(date +%s) - t0))s; importing as $debian_image"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$debian_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "$debian_image imported"
fi

if [[ "$force" != "1" ]] && image_exists "$bun_image"; then
  log "$bun_image exists, skipping"
else
  bun_bin="${BUN_BINARY:-}"
  if [[ -z "$bun_bin" ]] && command -v bun >/dev/null 2>&1; then bun_bin=$(readlink -f "$(command -v bun)"); fi
  if [[ -z "$bun_bin" || ! -x "$bun_bin" ]]; then
    repo_root=$(cd "$(dirname "$0")/../.." && pwd)
    bun_bin="$repo_root/node_modules/bun/bin/bun.exe"
  fi
  [[ -x "$bun_bin" ]] || { log "no Bun binary found (set BUN_BINARY)"; exit 1; }
  ctx=$(mktemp -d /tmp/pier-bun-image.XXXXXX)
  trap 'rm -rf "$ctx"' EXIT
  cp "$bun_bin" "$ctx/bun"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $debian_image
COPY bun /usr/local/bin/bun
RUN chmod 0755 /usr/local/bin/bun && ln -s /usr/local/bin/bun /usr/local/bin/bunx && mkdir -p /app
WORKDIR /app
CMD ["bun", "--version"]
DOCKERFILE
  log "building $bun_image with $bun_bin ($("$bun_bin" --version))"
  # The legacy builder prints a deprecation banner on stderr; keep it out unless the build fails.
  docker build -q -t "$bun_image" "$ctx" >/dev/null 2>/tmp/pier-bun-image.log ||
    { cat /tmp/pier-bun-image.log; log "docker build of $bun_image failed"; exit 1; }
  rm -rf "$ctx"
  trap - EXIT
  log "$bun_image built"
fi

log "done in $(($(date +%s) - started))s: $(docker image inspect -f '{{.Id}}' "$bun_image" | cut -c1-19)"
