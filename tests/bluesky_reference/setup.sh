#!/usr/bin/env bash
# Install what the Bluesky reference-server tier needs, outside the repository; idempotent.
#
# - Debian packages: postgresql (initdb/pg_ctl for a throwaway cluster) and redis-server.
# - The Bluesky reference servers (PDS, AppView, PLC) from npm, `@atproto/dev-env`, pinned,
#   into $ROR_ATP_DIR (default /tmp/ror-atp), never into the repository.
# Then: `export ROR_BLUESKY_REFERENCE=1` and run `pytest tests/test_bluesky_reference.py`.
set -euo pipefail

ATP_DIR="${ROR_ATP_DIR:-/tmp/ror-atp}"
DEV_ENV_VERSION="0.3.215"   # 0.6.x needs Node >= 22; this pin runs on Node 20

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "bluesky reference: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

installed="$ATP_DIR/node_modules/@atproto/dev-env/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$DEV_ENV_VERSION\"" "$installed"; then
  echo "bluesky reference: @atproto/dev-env@$DEV_ENV_VERSION already in $ATP_DIR"
  exit 0
fi
mkdir -p "$ATP_DIR"
cd "$ATP_DIR"
[ -f package.json ] || printf '{"name":"ror-atp","private":true}\n' > package.json
echo "bluesky reference: npm install @atproto/dev-env@$DEV_ENV_VERSION into $ATP_DIR"
npm install --no-audit --no-fund --loglevel=error "@atproto/dev-env@$DEV_ENV_VERSION"
