#!/usr/bin/env bash
# Builds the extension with PGXS and installs it into the PostgreSQL that pg_config names.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
make -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
if [ "$(id -u)" -eq 0 ]; then
    make -s install PG_CONFIG="$PG_CONFIG"
else
    sudo make -s install PG_CONFIG="$PG_CONFIG"
fi
