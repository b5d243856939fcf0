#!/usr/bin/env bash
# Side-by-side comparison of two builds of the extension (and of settings), in one run: the
# point query and a full scan through the wrapper, on loopback and through the delay proxy at
# each delay, in rounds that take every variant in turn, with the median of the rounds and each
# variant's ratio to the first one.
#
#   bench/ab.sh --base REV [--variant 'LABEL=base|new[:PGOPTIONS]']... [--delays "0 2 20"]
#               [--rounds 3] [--point-seconds 5] [--size 50000] [--no-build]
#
#   --base REV     the commit to compare the working tree with (built from `git archive`)
#   --variant      a build (base or new, the working tree) and the session settings it runs
#                  with, e.g. 'no busy wait=base:-c dynamodb.busy_wait=0'; the first variant is
#                  the reference of the ratios (default: 'base=base' and 'new=new')
#   --delays       the delays in ms the proxy adds to each request (0: loopback, no proxy)
#   --size         the table's items; the point query picks random keys in it
#   --no-build     uses the builds left in BENCH_WORKDIR by an earlier run
#
# Every session loads the extension's shared library anew, so the variants take turns in one
# cluster: before a variant's sessions start, its build's library is copied over the installed
# one. Run it inside a private mount namespace (other worktrees install into the same
# PostgreSQL). BENCH_WORKDIR=/some/dir keeps the builds and logs there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

base_rev=""
variants=()
delays="0 2 20"
rounds=3
point_seconds=5
size=50000
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --base) base_rev="${2:?}"; shift 2 ;;
        --variant) variants+=("${2:?}"); shift 2 ;;
        --delays) delays="${2:?}"; shift 2 ;;
        --rounds) rounds="${2:?}"; shift 2 ;;
        --point-seconds) point_seconds="${2:?}"; shift 2 ;;
        --size) size="${2:?}"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h | --help) sed -n '/^#   bench\/ab.sh/,/^#   --no-build/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/ab.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$base_rev" ] || { echo "bench/ab.sh: --base REV is required" >&2; exit 2; }
[ "${#variants[@]}" -gt 0 ] || variants=("base=base" "new=new")

export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
libdir="$("$PG_CONFIG" --pkglibdir)"
work="${BENCH_WORKDIR:-$(mktemp -d /tmp/dynamodb-ab.XXXXXX)}"
mkdir -p "$work"
if [ "$build" = 1 ]; then
    rm -rf "$work/base-tree"
    mkdir -p "$work/base-tree"
    git archive "$base_rev" | tar -x -C "$work/base-tree"
    make -s -C "$work/base-tree" -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
    cp "$work/base-tree/wrappers.so" "$work/base.so"
    "$root/scripts/build.sh"
    cp "$libdir/wrappers.so" "$work/new.so"
fi

source "$root/test/harness.sh"
harness_init "$work"
start_postgres
NODE_OPTIONS=--max-old-space-size=4096 start_dynalite
node bench/load.mjs --items "$size" >"$work/load.log"
psql -X -q -At -v ON_ERROR_STOP=1 -v endpoint="$DYNAMODB_ENDPOINT" -v sizes="$size" \
    -v point_size="$size" -f bench/sql/setup.sql >/dev/null

args=()
for v in "${variants[@]}"; do args+=(--variant "$v"); done
python3 "$root/bench/ab.py" --workdir "$work" --libdir "$libdir" --size "$size" \
    --delays "$delays" --rounds "$rounds" --point-seconds "$point_seconds" \
    --base-rev "$(git rev-parse --short "$base_rev")" --new-rev "$(git describe --always --dirty)" \
    "${args[@]}"
