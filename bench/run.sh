#!/usr/bin/env bash
# The benchmark, in one command: installs what it needs, builds and installs the extension,
# builds the raw-HTTP floor client, starts a throwaway PostgreSQL 15 cluster and a local
# DynamoDB (test/harness.sh), loads the tables with the AWS SDK for JavaScript (bench/load.mjs),
# runs every workload through the wrapper, boto3 and the floor (bench/driver.py), prints the
# table and writes it with the commands and the machine to bench/results/.
#
#   bench/run.sh [--backend dynalite|moto] [--sizes "10000 50000 200000"] [--quick]
#                [--memory-sizes "200000 400000"] [--reps 5] [--point-seconds 10]
#                [--insert-rows 10000] [--delay-ms 20] [--remote-delays "2 20"]
#                [--no-callgrind] [--no-build] [--attrs-size 50000] [--only "insert remote_writes"]
#                [--results DIR]
#
#   --quick          a small smoke run: sizes "2000 5000 10000", memory "10000 20000",
#                    2000 inserted rows, 3 s point queries, 3 rounds (about 2 minutes)
#   --memory-sizes   the tables whose scans measure the backend's peak RSS (default: the
#                    largest size and twice it); "" skips the measurement
#   --remote-delays  the delays (ms a request) of the delay proxy at which the point query and
#                    the smallest table's scan also run; "" skips them
#   --no-callgrind   skips the instruction counts (a scan and point lookups under valgrind)
#   --no-build       uses the extension already installed
#   --only           runs only these workloads (of: scans callgrind point insert remote
#                    remote_writes latency memory attrs); the report then holds only their rows
#   --attrs-size     items of the table queried through the catch-all (_attrs); 0 skips it
#   --results        where the report goes (default bench/results)
#
# BENCH_WORKDIR=/some/dir keeps the logs there (default: a new /tmp/dynamodb-bench.* dir).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command_line="bench/run.sh${*:+ $*}"

backend=dynalite
sizes=""
memory_sizes="unset"
quick=0
reps=""
point_seconds=""
insert_rows=""
delay_ms=20
remote_delays="2 20"
callgrind=1
build=1
attrs_size=50000
only=""
results="$root/bench/results"

usage() {
    sed -n '/^#   bench\/run.sh/,/^# BENCH_WORKDIR/p' "$root/bench/run.sh" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --backend) backend="${2:?}"; shift 2 ;;
        --sizes) sizes="${2:?}"; shift 2 ;;
        --memory-sizes) memory_sizes="${2-}"; shift 2 ;;
        --quick) quick=1; shift ;;
        --reps) reps="${2:?}"; shift 2 ;;
        --point-seconds) point_seconds="${2:?}"; shift 2 ;;
        --insert-rows) insert_rows="${2:?}"; shift 2 ;;
        --delay-ms) delay_ms="${2:?}"; shift 2 ;;
        --remote-delays) remote_delays="${2-}"; shift 2 ;;
        --no-callgrind) callgrind=0; shift ;;
        --no-build) build=0; shift ;;
        --attrs-size) attrs_size="${2:?}"; shift 2 ;;
        --only) only="${2-}"; shift 2 ;;
        --results) results="${2:?}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$backend" in dynalite | moto) ;; *) echo "bench/run.sh: --backend is dynalite or moto" >&2; exit 2 ;; esac

if [ "$quick" = 1 ]; then
    sizes="${sizes:-2000 5000 10000}"
    reps="${reps:-3}"
    point_seconds="${point_seconds:-3}"
    insert_rows="${insert_rows:-2000}"
else
    sizes="${sizes:-10000 50000 200000}"
    reps="${reps:-5}"
    point_seconds="${point_seconds:-10}"
    insert_rows="${insert_rows:-10000}"
fi
sizes="$(tr ' ' '\n' <<<"$sizes" | grep . | sort -n -u | xargs)"
largest="${sizes##* }"
if [ "$memory_sizes" = unset ]; then
    memory_sizes="$largest $((largest * 2))"
fi
# The instruction count scans the 50,000-item table, or the middle size when there is none.
callgrind_size=0
if [ "$callgrind" = 1 ]; then
    read -r -a size_list <<<"$sizes"
    callgrind_size="${size_list[$(((${#size_list[@]} - 1) / 2))]}"
    for s in $sizes; do [ "$s" = 50000 ] && callgrind_size=50000; done
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# What building, the harness and the loader need, then what only the benchmark needs: gnuplot
# for the chart, valgrind for the instruction count, boto3 for the boto3 side.
"$root/scripts/install-deps.sh"
missing=()
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
[ "$callgrind" = 0 ] || command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import boto3' 2>/dev/null; then
        python="$("$candidate" -c 'import sys; print(sys.executable)')"
        break
    fi
done
if [ -z "$python" ]; then
    missing+=(python3-boto3)
    python=/usr/bin/python3
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ "$build" = 1 ]; then
    "$root/scripts/build.sh"
fi
make -s -C "$root/bench"

work="${BENCH_WORKDIR:-$(mktemp -d /tmp/dynamodb-bench.XXXXXX)}"
mkdir -p "$work"
source "$root/test/harness.sh"
harness_init "$work"
start_postgres
if [ "$backend" = moto ]; then
    rc=0
    start_moto || rc=$?
    if [ "$rc" -eq 77 ]; then
        echo "bench/run.sh: moto_server is not installed; use --backend dynalite" >&2
        exit 1
    elif [ "$rc" -ne 0 ]; then
        exit "$rc"
    fi
else
    # dynalite keeps every table in the Node heap: give it room for the largest tables.
    NODE_OPTIONS=--max-old-space-size=8192 start_dynalite
fi

# The tables that only the memory measurement reads are loaded by driver.py just before it, so
# that the emulator's heap stays small during the other workloads.
load_args=()
if [ -z "$only" ]; then
    for n in $sizes; do
        load_args+=(--items "$n")
    done
fi
if [ -z "$only" ] || [[ " $only " == *" insert "* ]]; then
    for t in empty ins_wrapper ins_boto3 ins_boto3_put ins_floor ins_floor_put; do
        load_args+=(--empty "bench_$t")
    done
fi
if [ "$attrs_size" != 0 ] && { [ -z "$only" ] || [[ " $only " == *" attrs "* ]]; }; then
    load_args+=(--attrs "$attrs_size")
fi
# (The workloads picked by --only may load their own tables, or none up front.)
if [ ${#load_args[@]} -gt 0 ]; then
    echo "== loading tables with the AWS SDK for JavaScript (node bench/load.mjs ${load_args[*]})" >&2
    load_start=$SECONDS
    node bench/load.mjs "${load_args[@]}" | tee "$work/load.log" >&2
    echo "== loaded in $((SECONDS - load_start)) s" >&2
fi

flags=()
[ "$quick" = 1 ] && flags+=(--quick)
[ "$build" = 1 ] && flags+=(--built)
"$python" "$root/bench/driver.py" \
    --workdir "$work" --results "$results" --backend "$DYNAMODB_BACKEND" \
    --attrs-size "$attrs_size" \
    --sizes "$sizes" --memory-sizes "$memory_sizes" --reps "$reps" \
    --point-seconds "$point_seconds" --insert-rows "$insert_rows" --delay-ms "$delay_ms" \
    --remote-delays "$remote_delays" \
    --callgrind-size "$callgrind_size" --python "$python" --command-line "$command_line" \
    --only "$only" \
    "${flags[@]}"
