#!/usr/bin/env bash
# cluster-down.sh - undoes cluster-up.sh: the node dockerds and containerds (by their pid files),
# every process left in a node's network namespace (container shims, a pier started by the suite),
# the namespaces and bridge, the nodes' cgroups and data, and the binfmt rule if cluster-up
# registered it. Only touches what cluster-up.sh created; safe to run twice. The cache stays.
set -uo pipefail
S=${PIER_CLUSTER_DIR:-/tmp/pier-cluster}
P=${PIER_CLUSTER_PREFIX:-pierc}
log() { printf '[cluster-down] %s\n' "$*"; }

nodes=()
for d in "$S"/n[0-9]*; do [[ -d "$d" ]] && nodes+=("${d##*/n}"); done

alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid, what
  local pid=$1
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.25; done
  alive "$pid" && { log "$2 ($pid) still running: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
}

# Containers first (their shims would outlive dockerd), without waiting on swarm: a node whose
# manager is gone could hang on `swarm leave`.
for i in "${nodes[@]}"; do
  sock=unix://$S/node$i.sock
  if timeout 5 docker -H "$sock" version >/dev/null 2>&1; then
    ids=$(timeout 10 docker -H "$sock" ps -aq 2>/dev/null)
    [[ -n "$ids" ]] && timeout 30 docker -H "$sock" rm -f $ids >/dev/null 2>&1
  fi
done
for i in "${nodes[@]}"; do
  d=$S/n$i
  stop_pid "$(cat "$d/dockerd.pid" 2>/dev/null)" "node $i dockerd"
  stop_pid "$(cat "$d/containerd.pid" 2>/dev/null)" "node $i containerd"
  stop_pid "$(cat "$d/launcher.pid" 2>/dev/null)" "node $i launcher"
  if [[ -e /run/netns/$P-n$i ]]; then
    for pid in $(ip netns pids "$P-n$i" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  fi
done
if [[ -e /run/netns/$P-hub ]]; then
  for pid in $(ip netns pids "$P-hub" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
fi
sleep 0.5
# Mounts dockerd left under the node's data dirs (overlay layers, netns files of its containers).
grep -o " $S/n[0-9]*/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$P-(hub|n[0-9]+)$"); do
  ip netns del "$ns" && log "netns $ns deleted"
done
for i in "${nodes[@]}"; do
  for cg in /sys/fs/cgroup/*/"$P-n$i" /sys/fs/cgroup/"$P-n$i"; do
    [[ -d "$cg" ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
done
if [[ -f "$S/.registered-binfmt" ]]; then
  echo -1 >/proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null && log "binfmt rule qemu-aarch64 removed"
  rm -f "$S/.registered-binfmt"
fi
if [[ -f "$S/.mounted-binfmt" ]]; then
  umount /proc/sys/fs/binfmt_misc 2>/dev/null
  rm -f "$S/.mounted-binfmt"
fi
if [[ -f "$S/.created-run-netns" ]] && [[ -z "$(ls -A /run/netns 2>/dev/null)" ]]; then
  umount /run/netns 2>/dev/null
  rmdir /run/netns 2>/dev/null
  rm -f "$S/.created-run-netns"
fi
if [[ "${PIER_CLUSTER_KEEP_DATA:-0}" != "1" ]]; then
  # The daemons' logs outlive the run (what a failed suite needs), in $S/logs.
  mkdir -p "$S/logs"
  for i in "${nodes[@]}"; do
    for f in dockerd containerd; do [[ -f "$S/n$i/$f.log" ]] && mv "$S/n$i/$f.log" "$S/logs/n$i.$f.log"; done
  done
  for i in "${nodes[@]}"; do rm -rf "${S:?}/n$i" "$S/node$i.sock"; done
  rm -f "$S/node-count"
fi
log "done"
