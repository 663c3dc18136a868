#!/usr/bin/env bash
# Make sure the servers the tests talk to answer on 127.0.0.1: Redis (6379) as the Celery
# broker, PostgreSQL (5432) as the second store. Starts what is installed but not running;
# installs from Debian's packages when missing and we may (root, apt-get present).
set -euo pipefail

answers() { python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "services: installing $* from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
  else
    echo "services: $* is not installed; install it (apt-get install $*) or start one on 127.0.0.1" >&2
    exit 1
  fi
}

if ! answers 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  echo "services: starting redis-server on 127.0.0.1:6379" >&2
  # Persistent (append-only file, deploy/redis.conf): queued work survives a Redis restart.
  mkdir -p data/redis
  redis-server deploy/redis.conf --daemonize yes --dir "$PWD/data/redis" --logfile "$PWD/data/redis/redis.log"
  for _ in $(seq 50); do answers 6379 && break; sleep 0.1; done
fi

if ! answers 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  echo "services: starting PostgreSQL on 127.0.0.1:5432" >&2
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 100); do answers 5432 && break; sleep 0.1; done
fi
answers 6379 || { echo "services: Redis still does not answer on 127.0.0.1:6379" >&2; exit 1; }
answers 5432 || { echo "services: PostgreSQL still does not answer on 127.0.0.1:5432" >&2; exit 1; }
