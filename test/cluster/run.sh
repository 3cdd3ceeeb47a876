#!/usr/bin/env bash
# run.sh - the cluster suite (`make test-cluster`): 3 amd64 dockerds and an emulated arm64 one in
# network namespaces (cluster-up.sh), the suite run inside the first node's network and mount
# namespaces, where pier runs as the manager machine's pier, then everything torn down
# (cluster-down.sh), also when a step fails or the run is interrupted.
# Needs root, dist/pier and dist/pier-linux-arm64, the images pier-base/bun:1 and
# pier-base/registry:2 (scripts/base-images/{build,registry}.sh), qemu-user-static with binfmt.
# Outside CI a missing prerequisite skips the suite with a warning; with CI=true it fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export PIER_CLUSTER_DIR=${PIER_CLUSTER_DIR:-/tmp/pier-cluster-suite}
export PIER_CLUSTER_PI=${PIER_CLUSTER_PI:-1}
BUN=${BUN:-$(make -s -C "$repo" print-bun | tail -1)}
[[ -x "$BUN" ]] || { echo "cluster suite: no Bun at '$BUN' (make bun)" >&2; exit 1; }
export BUN

missing=""
[[ $(id -u) == 0 ]] || missing="root (network namespaces and dockerds)"
for f in dist/pier dist/pier-linux-arm64; do [[ -n "$missing" || -x "$repo/$f" ]] || missing="$f (make build dist/pier-linux-arm64)"; done
for image in pier-base/bun:1 pier-base/registry:2; do
  [[ -n "$missing" ]] || docker image inspect "$image" >/dev/null 2>&1 ||
    missing="the image $image (scripts/base-images/build.sh, scripts/base-images/registry.sh)"
done
for tool in nsenter unshare ip dockerd containerd; do
  [[ -n "$missing" ]] || command -v "$tool" >/dev/null || missing="$tool"
done
[[ -n "$missing" || "$PIER_CLUSTER_PI" != "1" || -e /usr/lib/binfmt.d/qemu-aarch64.conf || -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] ||
  missing="qemu-user-static with binfmt (the arm64 node)"
if [[ -n "$missing" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "cluster suite: missing $missing" >&2
    exit 1
  fi
  echo "cluster suite skipped: missing $missing" >&2
  exit 0
fi

started=$SECONDS
"$here/cluster-down.sh" >/dev/null 2>&1 # leftovers of an interrupted run
rm -f "$PIER_CLUSTER_DIR/pier.log"
trap '"$here/cluster-down.sh"' EXIT
trap 'exit 130' INT TERM
"$here/cluster-up.sh" || exit 1
node1=$(cat "$PIER_CLUSTER_DIR/n1/dockerd.pid")
nsenter --target "$node1" --net --mount --uts -- env -C "$repo" \
  PIER_CLUSTER_DIR="$PIER_CLUSTER_DIR" \
  "$BUN" test --timeout 900000 "$here/cluster.test.ts"
code=$?
if [[ $code != 0 && -f "$PIER_CLUSTER_DIR/pier.log" ]]; then
  echo "--- pier's warnings and errors:"
  grep -E '"level":"(warn|error)"|^[^{]' "$PIER_CLUSTER_DIR/pier.log" | grep -v '"host check' | tail -60
fi
echo "cluster suite: exit $code after $((SECONDS - started)) s (setup and teardown included)"
exit $code
