#!/usr/bin/env bash
# bench/cluster/run.sh (`make bench-cluster`): git push to live on a swarm of 3 amd64 dockerds and an
# emulated arm64 one (test/cluster/cluster-up.sh), single- and multi-arch, and the failover after a
# node's dockerd stops; writes the "Cluster" section of docs/performance.md. Root, about 4 minutes.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export PIER_CLUSTER_DIR=${PIER_CLUSTER_DIR:-/tmp/pier-cluster-bench} PIER_CLUSTER_PI=1
BUN=${BUN:-$(make -s -C "$repo" print-bun | tail -1)}
export BUN
"$repo/test/cluster/cluster-down.sh" >/dev/null 2>&1
trap '"$repo/test/cluster/cluster-down.sh" >/dev/null' EXIT
trap 'exit 130' INT TERM
"$repo/test/cluster/cluster-up.sh" || exit 1
nsenter --target "$(cat "$PIER_CLUSTER_DIR/n1/dockerd.pid")" --net --mount --uts -- env -C "$repo" \
  PIER_CLUSTER_DIR="$PIER_CLUSTER_DIR" "$BUN" "$here/run.ts"
