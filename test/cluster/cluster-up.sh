#!/usr/bin/env bash
# cluster-up.sh - the machines of the cluster suite, all on this one Linux host (root):
#
#   * N amd64 "machines": each an extra dockerd (with its own containerd) in its own network
#     namespace <prefix>-nI (eth0 = NET.1I/24 on a bridge in a hub namespace <prefix>-hub, NET.1),
#     its own mount namespace (a slave of the host's, with a private /etc/docker and /etc/hosts so
#     the registry's CA and name written by `pier cluster join` stay on that machine) and its own
#     UTS namespace (hostname <prefix>-nI).
#   * with PIER_CLUSTER_PI=1, one more: a "Raspberry Pi", Debian's arm64 dockerd run under
#     qemu-user through binfmt_misc (with a native containerd), which reports linux/aarch64. qemu-user
#     cannot create network namespaces, so that node runs host-network tasks only.
#
# Nothing is added to the host's network namespace, and the node namespaces have no default route:
# no packet leaves them, and pulls from public registries fail at once instead of after a DNS
# timeout. The swarm itself is not formed here: that is `pier cluster init` and `join`, under test.
# The host's dockerd is only read (`docker save` of the images copied into the first node, where
# pier builds). Undo everything with cluster-down.sh (safe to run twice, also after a failed up).
#
# Env: PIER_CLUSTER_DIR (/tmp/pier-cluster)  PIER_CLUSTER_NODES (3)  PIER_CLUSTER_NET (10.78.0)
#      PIER_CLUSTER_PREFIX (pierc)  PIER_CLUSTER_PI (0)
#      PIER_CLUSTER_IMAGES ("pier-base/bun:1 pier-base/registry:2"): from the host dockerd into node 1
#      PIER_CLUSTER_HOSTS ("registry.pier.test"): names every node resolves to node 1 (the manager)
# Needs iproute2, util-linux (nsenter, unshare), docker.io; with PIER_CLUSTER_PI=1 also
# qemu-user-static, binfmt-support and what arm64-images.sh fetches (arm64 .debs from the host's apt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
S=${PIER_CLUSTER_DIR:-/tmp/pier-cluster}
N=${PIER_CLUSTER_NODES:-3}
NET=${PIER_CLUSTER_NET:-10.78.0}
P=${PIER_CLUSTER_PREFIX:-pierc}
PI=${PIER_CLUSTER_PI:-0}
IMAGES=${PIER_CLUSTER_IMAGES-pier-base/bun:1 pier-base/registry:2}
HOSTS=${PIER_CLUSTER_HOSTS-registry.pier.test}
T0=$EPOCHREALTIME
log() { printf '[cluster-up %5.1fs] %s\n' "$(awk "BEGIN{print $EPOCHREALTIME-$T0}")" "$*"; }
dk() { local i=$1; shift; docker -H "unix://$S/node$i.sock" "$@"; }

[[ $(id -u) == 0 ]] || { echo "cluster-up.sh needs root (network namespaces, dockerd)" >&2; exit 1; }
((N >= 1 && N <= 8)) || { echo "PIER_CLUSTER_NODES must be 1..8" >&2; exit 1; }
mkdir -p "$S/cache"
[[ -d /run/netns ]] || touch "$S/.created-run-netns"
ALL=$N
[[ "$PI" == "1" ]] && ALL=$((N + 1))
echo "$ALL" >"$S/node-count"

log "network: $P-hub ($NET.1/24, bridge ${P}br0) and $ALL node namespaces"
ip netns add "$P-hub"
ip -n "$P-hub" link set lo up
ip -n "$P-hub" link add "${P}br0" type bridge
ip -n "$P-hub" addr add "$NET.1/24" dev "${P}br0"
ip -n "$P-hub" link set "${P}br0" up
for i in $(seq 1 "$ALL"); do
  ip netns add "$P-n$i"
  ip -n "$P-n$i" link set lo up
  ip -n "$P-hub" link add "${P}v$i" type veth peer name eth0 netns "$P-n$i"
  ip -n "$P-hub" link set "${P}v$i" master "${P}br0" up
  ip -n "$P-n$i" addr add "$NET.1$i/24" dev eth0
  ip -n "$P-n$i" link set eth0 up
done

# Per-node files: an empty /etc/docker (certs.d for the registry CA) and an /etc/hosts naming the
# manager, both bind-mounted inside the node's own mount namespace by its start script.
for i in $(seq 1 "$ALL"); do
  d=$S/n$i
  mkdir -p "$d/etc-docker" "$d/exec"
  { echo "127.0.0.1 localhost"; echo "$NET.1$i $P-n$i"; for h in $HOSTS; do echo "$NET.11 $h"; done; } >"$d/hosts"
  # Own trust key: nodes sharing /etc/docker/key.json would share one engine ID.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$d" >"$d/daemon.json"
done

if [[ "$PI" == "1" ]]; then
  "$here/arm64-images.sh"
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && touch "$S/.mounted-binfmt"
  fi
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    # Debian's rule has flag F: the kernel keeps the interpreter open, so arm64 binaries also run
    # in other mount namespaces (the node's, its containers').
    cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
    touch "$S/.registered-binfmt"
  fi
fi

start_node() { # i, then the command that runs dockerd in the node's namespaces
  local i=$1 d=$S/n$1
  shift
  cat >"$d/start.sh" <<START
#!/bin/sh
set -e
mount --bind $d/etc-docker /etc/docker
mount --bind $d/hosts /etc/hosts
hostname $P-n$i
$*
START
  chmod +x "$d/start.sh"
  # nsenter joins the node's netns; unshare gives it private mount and UTS namespaces. (Not
  # `ip netns exec`: it remounts /sys and so hides /sys/fs/cgroup from dockerd.)
  nsenter --net="/run/netns/$P-n$i" -- unshare --mount --uts --propagation slave -- "$d/start.sh" \
    >"$d/dockerd.log" 2>&1 &
  echo $! >"$d/launcher.pid"
}

common_flags() { # i
  local d=$S/n$1
  echo "--config-file $d/daemon.json --data-root $d/data --exec-root $d/exec --pidfile $d/dockerd.pid" \
    "-H unix://$S/node$1.sock --cgroup-parent /$P-n$1 --storage-driver overlay2" \
    "--log-level ${PIER_CLUSTER_LOG_LEVEL:-warn}"
}

for i in $(seq 1 "$N"); do
  start_node "$i" "exec dockerd $(common_flags "$i")"
done
if [[ "$PI" == "1" ]]; then
  i=$ALL
  d=$S/n$i
  cat >"$d/containerd.toml" <<TOML
version = 2
root = "$d/containerd-root"
state = "$d/exec/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
TOML
  # A native containerd and runc; only dockerd is arm64 (emulated), so the Engine reports aarch64.
  start_node "$i" "containerd --config $d/containerd.toml >$d/containerd.log 2>&1 &
echo \$! >$d/containerd.pid
n=0; while [ ! -S $d/containerd.sock ] && [ \$n -lt 100 ]; do sleep 0.1; n=\$((n+1)); done
exec $S/cache/arm64docker/usr/sbin/dockerd --containerd $d/containerd.sock $(common_flags "$i")"
fi
for i in $(seq 1 "$ALL"); do
  for _ in $(seq 1 240); do
    dk "$i" version >/dev/null 2>&1 && break
    sleep 0.25
  done
  dk "$i" version >/dev/null 2>&1 || {
    tail -20 "$S/n$i/dockerd.log" >&2
    echo "node $i did not start" >&2
    exit 1
  }
done
log "dockerds up: $(for i in $(seq 1 "$ALL"); do printf 'n%s=pid %s ' "$i" "$(cat "$S/n$i/dockerd.pid")"; done)"

if [[ -n "$IMAGES" ]]; then
  # One tarball per set of image IDs, kept in the cache across runs.
  # shellcheck disable=SC2086
  key=$(docker image inspect --format '{{.Id}}' $IMAGES | sha256sum | cut -c1-16)
  tarball=$S/cache/images-$key.tar
  if [[ ! -s "$tarball" ]]; then
    rm -f "$S"/cache/images-*.tar
    # shellcheck disable=SC2086
    docker save -o "$tarball.part" $IMAGES && mv "$tarball.part" "$tarball"
  fi
  dk 1 load -q -i "$tarball" >/dev/null
  log "loaded into node 1: $IMAGES"
fi
if [[ "$PI" == "1" ]]; then
  dk 1 load -q -i "$S/cache/bun-arm64.tar" >/dev/null
  log "loaded into node 1: pier-base/bun:1-arm64"
fi
log "done: nodes $(for i in $(seq 1 "$ALL"); do printf '%s ' "$NET.1$i"; done)(sockets $S/nodeI.sock)"
