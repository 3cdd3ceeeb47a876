#!/usr/bin/env bash
# arm64-images.sh - what the emulated "Raspberry Pi" node of the cluster suite needs, made without
# an arm64 machine, buildx or a public registry, cached in $PIER_CLUSTER_DIR/cache:
#   arm64docker/   Debian's arm64 docker.io, its dockerd pointed (patchelf) at the arm64 loader and
#                  libraries in arm64sys/ (QEMU_LD_PREFIX would make qemu rewrite absolute paths,
#                  and docker-untar's chroot then fails)
#   bun-arm64.tar  pier-base/bun:1-arm64: libc6, busybox (a shell for RUN steps) and Bun for
#                  aarch64, written as a `docker load` tarball whose config says arm64 (dockerd
#                  20.10 ignores `docker import --platform`)
# The .debs come from the host's own apt sources (`dpkg --add-architecture arm64`, as .ci/run
# does); nothing is installed. Bun for aarch64 is the runtime `make dist/pier-linux-arm64` cached,
# or the npm package of the same version.
set -euo pipefail
S=${PIER_CLUSTER_DIR:-/tmp/pier-cluster}
C=$S/cache
BUN=${BUN:-bun}
log() { printf '[arm64-images] %s\n' "$*"; }
mkdir -p "$C/debs"

arm_debs=(docker.io libc6 libsystemd0 libdevmapper1.02.1 libcap2 libgcrypt20 libgpg-error0 liblzma5
  libzstd1 liblz4-1 libselinux1 libudev1 libpcre2-8-0 busybox-static)
missing=()
for p in "${arm_debs[@]}"; do compgen -G "$C/debs/${p}_*_arm64.deb" >/dev/null || missing+=("$p:arm64"); done
compgen -G "$C/debs/patchelf_*.deb" >/dev/null || missing+=(patchelf)
if ((${#missing[@]})); then
  dpkg --print-foreign-architectures | grep -qx arm64 ||
    { echo "arm64 is not a dpkg architecture here: run dpkg --add-architecture arm64 && apt-get update" >&2; exit 1; }
  log "apt-get download ${missing[*]}"
  (cd "$C/debs" && apt-get download -qq "${missing[@]}" >/dev/null)
fi

if [[ ! -x "$C/arm64docker/usr/sbin/dockerd" ]]; then
  rm -rf "$C/arm64sys" "$C/arm64docker" "$C/patchelf"
  for f in "$C"/debs/lib*_arm64.deb; do dpkg-deb -x "$f" "$C/arm64sys"; done
  dpkg-deb -x "$C"/debs/docker.io_*_arm64.deb "$C/arm64docker"
  dpkg-deb -x "$C"/debs/patchelf_*.deb "$C/patchelf"
  "$C/patchelf/usr/bin/patchelf" --force-rpath \
    --set-interpreter "$C/arm64sys/lib/ld-linux-aarch64.so.1" \
    --set-rpath "$C/arm64sys/lib/aarch64-linux-gnu:$C/arm64sys/usr/lib/aarch64-linux-gnu" \
    "$C/arm64docker/usr/sbin/dockerd"
  log "arm64 dockerd: $("$C/arm64docker/usr/sbin/dockerd" --version)"
fi

if [[ ! -s "$C/bun-arm64.tar" ]]; then
  version=$("$BUN" --version)
  bun_arm=$HOME/.bun/install/cache/bun-linux-aarch64-v$version
  if [[ ! -x "$bun_arm" ]]; then
    (cd "$C" && npm pack -q "@oven/bun-linux-aarch64@$version" >/dev/null)
    rm -rf "$C/bunpkg" && mkdir -p "$C/bunpkg"
    tar -xzf "$C/oven-bun-linux-aarch64-$version.tgz" -C "$C/bunpkg"
    bun_arm=$C/bunpkg/package/bin/bun
  fi
  w=$(mktemp -d "$C/image.XXXXXX")
  trap 'rm -rf "$w"' EXIT
  root=$w/rootfs
  mkdir -p "$root/bin" "$root/usr/local/bin" "$root/tmp" "$root/app" "$root/etc"
  dpkg-deb -x "$C"/debs/libc6_*_arm64.deb "$root"
  dpkg-deb -x "$C"/debs/busybox-static_*_arm64.deb "$w/bb"
  cp "$w/bb/bin/busybox" "$root/bin/busybox"
  for l in sh ls cat echo env uname hostname sleep mkdir rm cp mv chmod wget; do ln -s busybox "$root/bin/$l"; done
  install -m 0755 "$bun_arm" "$root/usr/local/bin/bun"
  ln -s bun "$root/usr/local/bin/bunx"
  chmod 1777 "$root/tmp"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
  # A `docker load` tarball by hand: one layer, a config that says arm64, a manifest naming both.
  mkdir -p "$w/out"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$w/layer.tar" .
  diff_id=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  mkdir -p "$w/out/$diff_id"
  mv "$w/layer.tar" "$w/out/$diff_id/layer.tar"
  printf '{"architecture":"arm64","variant":"v8","os":"linux","created":"%s","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bun","--version"],"WorkingDir":"/app"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$diff_id" >"$w/config.json"
  cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1).json
  mv "$w/config.json" "$w/out/$cfg"
  printf '[{"Config":"%s","RepoTags":["pier-base/bun:1-arm64"],"Layers":["%s/layer.tar"]}]' "$cfg" "$diff_id" \
    >"$w/out/manifest.json"
  (cd "$w/out" && tar -cf "$C/bun-arm64.tar.part" -- *) && mv "$C/bun-arm64.tar.part" "$C/bun-arm64.tar"
  log "pier-base/bun:1-arm64: $(du -m "$C/bun-arm64.tar" | cut -f1) MB (Bun $version for aarch64)"
fi
