#!/usr/bin/env bash
# Update the shipped copy of the OPAWG user-agent lists (pipeline/stages/data/opawg/), which
# name podcast apps and bots when downloads are counted. Needs the internet; run the tests after:
#   bash scripts/update-opawg.sh && .venv/bin/pytest -q tests/run/test_downloads.py
set -euo pipefail
cd "$(dirname "$0")/../pipeline/stages/data/opawg"
base="https://raw.githubusercontent.com/opawg/user-agents-v2/master"
for name in bots apps libraries browsers; do
    curl -fsSL "$base/src/$name.json" -o "$name.json.new" && mv "$name.json.new" "$name.json"
done
curl -fsSL "$base/LICENSE" -o LICENSE
commit="$(curl -fsSL https://api.github.com/repos/opawg/user-agents-v2/commits/master | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha"][:7])')"
sed -i "s/as of commit [0-9a-f]*/as of commit $commit/" README.md
echo "OPAWG lists updated to $commit"
