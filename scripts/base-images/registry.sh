#!/usr/bin/env bash
# Builds pier-base/registry:2, the image of the registry a pier cluster runs for its nodes, without
# any registry: Debian bookworm's docker-registry package (the CNCF distribution server, the same
# program as the official registry:2 image) on pier-base/debian:bookworm, started the way the
# official image starts it (`registry serve /etc/docker/registry/config.yml`, data in
# /var/lib/registry, port 5000). pier configures it through REGISTRY_* variables.
# Idempotent: an existing image is skipped (PIER_BASE_FORCE=1 rebuilds). Needs the base image.
set -euo pipefail

image="pier-base/registry:2"
debian_image="pier-base/debian:bookworm"
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[registry-image] %s\n' "$*"; }

docker info >/dev/null 2>&1 || { log "the Docker daemon is not reachable"; exit 1; }
if [[ "${PIER_BASE_FORCE:-0}" != "1" ]] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image exists, skipping"
  exit 0
fi
docker image inspect "$debian_image" >/dev/null 2>&1 || bash "$here/build.sh"

ctx=$(mktemp -d /tmp/pier-registry-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
(cd "$ctx" && apt-get download -qq docker-registry >/dev/null)
dpkg-deb -x "$ctx"/docker-registry_*.deb "$ctx/root"
cp "$ctx/root/usr/bin/docker-registry" "$ctx/registry"
cat >"$ctx/config.yml" <<'YML'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
YML
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $debian_image
COPY registry /bin/registry
COPY config.yml /etc/docker/registry/config.yml
RUN chmod 0755 /bin/registry && mkdir -p /var/lib/registry
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/bin/registry"]
CMD ["serve", "/etc/docker/registry/config.yml"]
DOCKERFILE
docker build -q -t "$image" "$ctx" >/dev/null 2>"$ctx/build.log" ||
  { cat "$ctx/build.log"; log "docker build of $image failed"; exit 1; }
log "$image built ($("$ctx/registry" --version 2>/dev/null | head -1))"
