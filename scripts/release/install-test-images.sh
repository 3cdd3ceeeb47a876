#!/usr/bin/env bash
# Builds the Debian roots test/e2e/install.e2e.test.ts runs install.sh in, as Docker images:
#   pier-test/install:bookworm-amd64  pier-base/debian:bookworm (debootstrap minbase, from
#                                     scripts/base-images/build.sh) + curl wget xz-utils openssl
#                                     openssh-client, and systemd to boot it as an init for the
#                                     service test; installed with apt
#   pier-test/install:bookworm-arm64  the same packages as a real arm64 userland: debootstrap
#                                     --foreign --arch=arm64, run through qemu-aarch64 (binfmt)
# and registers qemu-aarch64 with binfmt_misc (flag F) when it is not, so arm64 programs run in
# containers. Idempotent: existing images are skipped (PIER_TEST_IMAGES_FORCE=1 rebuilds).
# Needs root, Docker, debootstrap and qemu-user-static. Env: PIER_BASE_MIRROR (default: the
# mirror this machine's apt uses, scripts/debian-mirror.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm
packages=curl,wget,xz-utils,openssl,openssh-client,ca-certificates
amd64_image="pier-test/install:$suite-amd64"
arm64_image="pier-test/install:$suite-arm64"
force="${PIER_TEST_IMAGES_FORCE:-0}"

log() { printf '[install-test-images] %s\n' "$*"; }
started=$(date +%s)
image_exists() { [[ "$force" != 1 ]] && docker image inspect "$1" >/dev/null 2>&1; }

register_binfmt() {
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64 spec=/usr/share/binfmts/qemu-aarch64
  if [[ -e "$entry" ]] && grep -q '^enabled' "$entry" && grep -q '^flags:.*F' "$entry"; then return; fi
  [[ -r "$spec" ]] || { log "qemu-user-static is not installed ($spec missing): apt-get install qemu-user-static"; exit 1; }
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [[ -e "$entry" ]] && echo -1 >"$entry" # registered without F: containers could not find qemu
  field() { sed -n "s/^$1 //p" "$spec"; }
  # F: the kernel opens the interpreter now, so it works inside containers and chroots too.
  echo ":qemu-aarch64:M:$(field offset):$(field magic):$(field mask):$(field interpreter):FP" \
    >/proc/sys/fs/binfmt_misc/register
  log "registered qemu-aarch64 with binfmt_misc"
}

if image_exists "$amd64_image"; then
  log "$amd64_image exists, skipping"
else
  docker image inspect "pier-base/debian:$suite" >/dev/null 2>&1 || bash "$here/../base-images/build.sh"
  ctx=$(mktemp -d /tmp/pier-install-image.XXXXXX)
  trap 'rm -rf "$ctx"' EXIT
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM pier-base/debian:$suite
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ${packages//,/ } systemd systemd-sysv >/dev/null && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  log "building $amd64_image (apt-get install ${packages//,/ } systemd)"
  docker build -q --network host -t "$amd64_image" "$ctx" >/dev/null 2>/tmp/pier-install-image.log ||
    { cat /tmp/pier-install-image.log; log "docker build of $amd64_image failed"; exit 1; }
  rm -rf "$ctx"
  trap - EXIT
  log "$amd64_image built"
fi

register_binfmt
if image_exists "$arm64_image"; then
  log "$arm64_image exists, skipping"
else
  mirror="${PIER_BASE_MIRROR:-$(sh "$here/../debian-mirror.sh")}"
  root=$(mktemp -d /tmp/pier-arm64-root.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  log "debootstrap --foreign --arch=arm64 $suite (with $packages)"
  debootstrap --arch=arm64 --foreign --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    >/tmp/pier-arm64-debootstrap.log 2>&1 ||
    { tail -n 30 /tmp/pier-arm64-debootstrap.log; log "debootstrap failed (/tmp/pier-arm64-debootstrap.log)"; exit 1; }
  # debootstrap's second stage configures every package under qemu: about 3 minutes on 2 cores.
  # The test needs the programs, not their configuration, so the packages the first stage left
  # unpacked are unpacked here by the host's dpkg-deb, and the few files their maintainer
  # scripts would write are written directly.
  while read -r _package path; do
    dpkg-deb -x "$root$path" "$root"
  done <"$root/debootstrap/debpaths"
  cp "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
  cp "$root/usr/share/base-passwd/group.master" "$root/etc/group"
  ln -sf mawk "$root/usr/bin/awk" # update-alternatives, in mawk's postinst
  rm -rf "$root/debootstrap" "$root"/var/cache/apt/archives/*.deb
  machine=$(chroot "$root" /bin/sh -c 'awk "BEGIN { exit }" && curl --version >/dev/null &&
    xz --version >/dev/null && openssl version >/dev/null && uname -m') || true
  [[ "$machine" == aarch64 ]] || { log "the arm64 root does not run its programs under qemu"; exit 1; }
  # Imported without --platform: the image is labelled amd64 (Docker 20.10 ignores the option
  # anyway) and runs with a plain `docker run`, its programs through binfmt.
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' - "$arm64_image" >/dev/null
  rm -rf "$root"
  trap - EXIT
  log "$arm64_image imported"
fi

log "done in $(($(date +%s) - started))s"
