#!/usr/bin/env bash
# Builds local images for pier's managed services without any registry, from Debian packages:
#   pier-base/postgres:15     (bookworm's postgresql-15)
#   pier-base/mariadb:10.11   (bookworm's mariadb-server)
#   pier-base/redis:7         (bookworm's redis-server)
# Each is pier-base/debian:bookworm (scripts/base-images/build.sh) exported to a directory, the
# packages installed into it with `chroot DIR apt-get install` through the host's own apt sources
# (package installs inside containers cannot reach the archive here), and `docker import`ed with an
# entrypoint that behaves like the official image's for what pier uses: on first start it
# initialises the data directory with the given user, password and database, then runs the server
# as its own user, listening on 0.0.0.0 inside the container.
# Idempotent: an image that already exists is skipped. Needs root (chroot, bind mounts).
# Env: PIER_BASE_FORCE=1 to rebuild, PIER_SERVICE_IMAGES="postgres mariadb redis" to pick.
set -euo pipefail

debian_image="pier-base/debian:bookworm"
force="${PIER_BASE_FORCE:-0}"
wanted="${PIER_SERVICE_IMAGES:-postgres mariadb redis}"
here=$(cd "$(dirname "$0")" && pwd)

log() { printf '[service-images] %s\n' "$*"; }
started=$(date +%s)
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || { log "the Docker daemon is not reachable"; exit 1; }
image_exists "$debian_image" || bash "$here/build.sh"

work=$(mktemp -d /tmp/pier-service-images.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The Debian rootfs once, with apt's lists fetched through the host's sources (not a mirror named
# here: the same one the host's apt uses).
base_dir="$work/base"
prepare_base() {
  local dir="$base_dir"
  [[ -d "$dir" ]] && return
  mkdir -p "$dir"
  local container
  container=$(docker create "$debian_image" /bin/true)
  docker export "$container" | tar -C "$dir" -x
  docker rm "$container" >/dev/null
  rm -f "$dir/etc/apt/sources.list"
  mkdir -p "$dir/etc/apt/sources.list.d"
  cp /etc/apt/sources.list.d/*.sources "$dir/etc/apt/sources.list.d/" 2>/dev/null || true
  [[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
  # Packages must not try to start daemons in the chroot, and no default PostgreSQL cluster.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d" && chmod 0755 "$dir/usr/sbin/policy-rc.d"
  mkdir -p "$dir/etc/postgresql-common"
  echo "create_main_cluster = false" >"$dir/etc/postgresql-common/createcluster.conf"
  in_chroot "$dir" apt-get -qq update
  release_mounts "$dir"
}

in_chroot() {
  local dir="$1"
  shift
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  for fs in proc sys dev; do
    if ! mountpoint -q "$dir/$fs"; then
      mkdir -p "$dir/$fs"
      mount --bind "/$fs" "$dir/$fs"
      mounted+=("$dir/$fs")
    fi
  done
  DEBIAN_FRONTEND=noninteractive chroot "$dir" "$@"
}

release_mounts() {
  local dir="$1"
  for fs in dev sys proc; do
    if mountpoint -q "$dir/$fs"; then umount -l "$dir/$fs"; fi
  done
}

# build IMAGE NAME PACKAGES ENTRYPOINT_FILE -- docker import --change arguments...
build_image() {
  local image="$1" name="$2" packages="$3" entrypoint="$4"
  shift 4
  if [[ "$force" != "1" ]] && image_exists "$image"; then
    log "$image exists, skipping"
    return
  fi
  local t0 dir
  t0=$(date +%s)
  prepare_base
  dir="$work/$name"
  cp -a "$base_dir" "$dir"
  log "installing $packages into $image"
  # shellcheck disable=SC2086
  in_chroot "$dir" apt-get -qq install -y --no-install-recommends $packages >"$work/$name.log" 2>&1 ||
    { tail -n 30 "$work/$name.log"; log "apt-get install for $image failed"; exit 1; }
  in_chroot "$dir" apt-get -qq clean
  release_mounts "$dir"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir/usr/sbin/policy-rc.d" "$dir/etc/resolv.conf"
  # Package scripts initialise a data directory with their own credentials; the entrypoint makes
  # the real one on first start (and Docker would copy this one into every new volume).
  rm -rf "$dir"/var/lib/mysql/* "$dir"/var/lib/postgresql/*
  install -m 0755 "$entrypoint" "$dir/usr/local/bin/docker-entrypoint.sh"
  tar -C "$dir" -c . | docker import "$@" \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' - "$image" >/dev/null
  rm -rf "$dir"
  log "$image built in $(($(date +%s) - t0))s"
}

mkdir -p "$work/entrypoints"

cat >"$work/entrypoints/postgres" <<'SH'
#!/bin/sh
# Like the official postgres image: POSTGRES_USER (superuser), POSTGRES_PASSWORD, POSTGRES_DB.
set -eu
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ "${1:-}" = "postgres" ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    if [ "$db" != "postgres" ]; then
      echo "CREATE DATABASE \"$db\"" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "PostgreSQL data directory initialised for $user/$db"
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
SH

cat >"$work/entrypoints/mariadb" <<'SH'
#!/bin/sh
# Like the official mariadb image: MARIADB_ROOT_PASSWORD, MARIADB_DATABASE, MARIADB_USER,
# MARIADB_PASSWORD (the MYSQL_* names too).
set -eu
datadir=/var/lib/mysql
quote() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }
if [ "${1:-}" = "mariadbd" ] || [ "${1:-}" = "mysqld" ]; then
  mkdir -p "$datadir" /run/mysqld
  chown mysql:mysql "$datadir" /run/mysqld
  if [ ! -d "$datadir/mysql" ]; then
    root_pw="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required}}"
    database="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
    user="${MARIADB_USER:-${MYSQL_USER:-}}"
    password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
    mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
      --auth-root-authentication-method=normal >/dev/null
    sql=$(mktemp)
    {
      echo "FLUSH PRIVILEGES;"
      echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(quote "$root_pw")';"
      echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(quote "$root_pw")';"
      echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
      if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"; fi
      if [ -n "$user" ]; then
        echo "CREATE USER '$(quote "$user")'@'%' IDENTIFIED BY '$(quote "$password")';"
        if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO '$(quote "$user")'@'%';"; fi
      fi
    } >"$sql"
    mariadbd --user=mysql --datadir="$datadir" --skip-networking --bootstrap <"$sql" >/dev/null 2>&1
    rm -f "$sql"
    echo "MariaDB data directory initialised"
  fi
  exec "$@" --user=mysql --datadir="$datadir" --bind-address=0.0.0.0
fi
exec "$@"
SH

cat >"$work/entrypoints/redis" <<'SH'
#!/bin/sh
# Like the official redis image: data in /data, the server as the redis user.
set -eu
if [ "${1:-}" = "redis-server" ]; then
  mkdir -p /data
  chown redis:redis /data
  cd /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
SH

for kind in $wanted; do
  case "$kind" in
    postgres)
      build_image pier-base/postgres:15 postgres "postgresql-15 postgresql-client-15" "$work/entrypoints/postgres" \
        --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'ENV LANG=C.UTF-8' \
        --change 'EXPOSE 5432' --change 'CMD ["postgres"]'
      ;;
    mariadb)
      build_image pier-base/mariadb:10.11 mariadb "mariadb-server mariadb-client" "$work/entrypoints/mariadb" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'EXPOSE 3306' --change 'CMD ["mariadbd"]'
      ;;
    redis)
      build_image pier-base/redis:7 redis "redis-server redis-tools" "$work/entrypoints/redis" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'WORKDIR /data' --change 'EXPOSE 6379' --change 'CMD ["redis-server"]'
      ;;
    *) log "unknown service image \"$kind\" (postgres, mariadb, redis)"; exit 2 ;;
  esac
done

log "done in $(($(date +%s) - started))s"
