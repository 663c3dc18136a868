#!/usr/bin/env bash
# What the web side needs beyond Python packages: nginx (the tests run deploy/nginx.conf in a
# real nginx; production serves output/ with it), Chromium (the tests check in a real browser
# that an episode seeks) and wrk (`make bench-serve` loads both servers with it: a Python load
# generator saturates before nginx does). All from Debian's packages when missing and we may (root, apt-get).
# Playwright drives Debian's /usr/bin/chromium: never `playwright install` (it downloads a browser).
set -euo pipefail

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-web: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
  # The tests never use a system nginx: they start their own on a free loopback port.
else
  echo "install-web: ${missing[*]} missing; install them (apt-get install ${missing[*]})" >&2
  exit 1
fi
