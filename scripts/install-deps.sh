#!/usr/bin/env bash
# Installs the native servers the AppHost and the tests run: PostgreSQL and Redis.
# Idempotent: returns at once when both are present. Debian/Ubuntu (apt-get) only.
set -euo pipefail

have_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || command -v pg_ctl >/dev/null
}
have_redis() {
  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]
}

if have_postgres && have_redis; then
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "install-deps: apt-get not found; install PostgreSQL (initdb, pg_ctl) and redis-server yourself." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)

# The AppHost runs its own servers on free loopback ports, so the distro's services are not
# wanted; policy-rc.d exit 101 stops the packages from starting them during installation.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

echo "install-deps: installing ${packages[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
