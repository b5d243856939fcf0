#!/usr/bin/env bash
# Installs what building, testing and the demo need: Debian packages (only those missing) and
# the pinned npm packages of package-lock.json. Safe to run again. (libsodium-dev is for
# Supabase Vault, which the tests and the demo build from ../shared/vendor when it is there.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

packages=(
    make g++ pkg-config
    postgresql-15 postgresql-server-dev-15 postgresql-client-15
    libcurl4-openssl-dev libssl-dev libsimdjson-dev rapidjson-dev
    libgtest-dev
    libsodium-dev
    clang libclang-rt-14-dev
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# The local DynamoDB (dynalite) and the independent client (AWS SDK for JavaScript), pinned.
if [ ! -x "$root/node_modules/.bin/dynalite" ] || [ ! -d "$root/node_modules/@aws-sdk/client-dynamodb" ] ||
    [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
