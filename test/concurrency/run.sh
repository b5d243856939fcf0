#!/usr/bin/env bash
# Concurrent UPDATEs lose nothing: several psql sessions started together change one item, and
# the AWS SDK (test/fixtures/dump.mjs), not the wrapper, reads what DynamoDB holds afterwards.
#
#   test/concurrency/run.sh [sessions] [statements per session]
#
# Needs the harness's environment (PGHOST, PGPORT, DYNAMODB_ENDPOINT) and a database
# `dynamodb_regress` with the extension and the server `dynamodb_server` (the SQL suite's).
# Cases:
# - `n = n + 1` on an item holding a number: DynamoDB adds, nothing is read first;
# - `n = coalesce(n, 0) + 1` on an item without n: the first writes race on the read-then-write
#   path, then DynamoDB adds;
# - `n = n + 1` where n is the NULL type for the first statement: read, compute, conditional write.
# Each must end with n equal to the number of statements that reported UPDATE 1. Then 8 sessions
# race to claim one job (`set owner = ... where id = 'j1' and owner is null`): exactly one wins,
# and DynamoDB holds its name.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
sessions="${1:-4}"
per_session="${2:-100}"
psql=("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -q -At -v ON_ERROR_STOP=1 -d dynamodb_regress)
# The sessions print each statement's tag (UPDATE 1), so they are not quiet.
psql_tags=("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -At -v ON_ERROR_STOP=1 -d dynamodb_regress)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node "$root/test/fixtures/load.mjs" counters >/dev/null
"${psql[@]}" <<'SQL'
set search_path = public, extensions;
set client_min_messages = warning;
drop schema if exists conc cascade;
create schema conc;
create foreign table conc.counters (id text collate "C", n numeric, note text, owner text)
  server dynamodb_server options (table 'counters');
SQL

failed=0
run_case() {
    local name="$1" id="$2" statement="$3"
    local pids=()
    for s in $(seq 1 "$sessions"); do
        (
            for _ in $(seq 1 "$per_session"); do
                echo "$statement"
            done | "${psql_tags[@]}" -f - \
                >"$work/$name.$s.out" 2>"$work/$name.$s.err"
        ) &
        pids+=($!)
    done
    local rc=0
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    local reported
    reported=$(cat "$work/$name".*.out | grep -c '^UPDATE 1$' || true)
    local stored
    stored=$(node "$root/test/fixtures/dump.mjs" counters "{\"id\":{\"S\":\"$id\"}}" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s);console.log(i.n&&i.n.N?i.n.N:"missing")})')
    if [ "$rc" -ne 0 ] || [ "$stored" != "$reported" ]; then
        echo "concurrency: $name FAILED: $sessions sessions x $per_session; $reported reported UPDATE 1, DynamoDB holds n = $stored" >&2
        cat "$work/$name".*.err >&2
        failed=1
    else
        echo "concurrency: $name: $sessions sessions x $per_session statements, n = $stored in DynamoDB"
    fi
}

run_case increments a "update conc.counters set n = n + 1 where id = 'a';"
run_case start_missing c "update conc.counters set n = coalesce(n, 0) + 1 where id = 'c';"
run_case start_null d "update conc.counters set n = coalesce(n, 0) + 1 where id = 'd';"
# The claim: compare-and-set, one UpdateItem whose condition is `owner is null`.
pids=()
for s in $(seq 1 8); do
    "${psql_tags[@]}" -c "update conc.counters set owner = 'session$s' where id = 'j1' and owner is null" \
        >"$work/claim.$s.out" 2>"$work/claim.$s.err" &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
winners=$(grep -l '^UPDATE 1$' "$work"/claim.*.out | sed 's/.*claim\.\([0-9]*\)\.out/session\1/')
owner=$(node "$root/test/fixtures/dump.mjs" counters '{"id":{"S":"j1"}}' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s);console.log(i.owner?i.owner.S:"none")})')
if [ "$rc" -ne 0 ] || [ "$(echo "$winners" | grep -c .)" -ne 1 ] || [ "$owner" != "$winners" ]; then
    echo "concurrency: claim FAILED: winners [$winners], DynamoDB owner $owner" >&2
    cat "$work"/claim.*.err >&2
    failed=1
else
    echo "concurrency: claim: 8 sessions, one winner ($owner), DynamoDB agrees"
fi
exit "$failed"
