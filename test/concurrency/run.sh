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
# Each must end with n equal to the number of statements that reported UPDATE 1. Then:
# - `note = note || 'x'` (read, then a conditional write): the note grows by one character per
#   UPDATE 1; a write whose item changed after the read is evaluated again on the new item, and
#   few statements (at most one in ten) give up with 40001;
# - the same appends racing an independent client that overwrites the note: no direct write is
#   ever overwritten by a wrapper write that read the item before it;
# - 8 sessions race to claim one job (`set owner = ... where id = 'j1' and owner is null`):
#   exactly one wins, and DynamoDB holds its name;
# - with the harness's fault proxy (FAULT_PROXY_ENDPOINT), the increments again, through a server
#   whose GetItem and UpdateItem requests are throttled or answered 500/503 one time in five:
#   the retries change nothing in the total.
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
if [ -n "${FAULT_PROXY_ENDPOINT:-}" ]; then
    "${psql[@]}" -v proxy="$FAULT_PROXY_ENDPOINT" <<'SQL'
set search_path = public, extensions;
set client_min_messages = warning;
drop server if exists conc_faulty cascade;
create server conc_faulty foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test');
create foreign table conc.faulty_counters (id text collate "C", n numeric, note text, owner text)
  server conc_faulty options (table 'counters');
SQL
fi

failed=0
run_case() {
    local name="$1" id="$2" statement="$3"
    local pids=()
    for s in $(seq 1 "$sessions"); do
        (
            for _ in $(seq 1 "$per_session"); do
                echo "$statement"
            done | "${psql_tags[@]}" -v ON_ERROR_STOP=0 -f - \
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
    # A statement may be refused (40001) when the item keeps changing; none may be lost.
    local refused others
    refused=$(cat "$work/$name".*.err | grep -c 'could not serialize access' || true)
    others=$(cat "$work/$name".*.err | grep '^psql:.*ERROR' | grep -vc 'could not serialize' || true)
    if [ "$rc" -ne 0 ] || [ "$stored" != "$reported" ] || [ "$others" -ne 0 ] ||
        [ "$refused" -gt $((sessions * per_session / 10)) ]; then
        echo "concurrency: $name FAILED: $sessions sessions x $per_session; $reported reported UPDATE 1, DynamoDB holds n = $stored" >&2
        cat "$work/$name".*.err >&2
        failed=1
    else
        echo "concurrency: $name: $sessions sessions x $per_session statements, $refused refused (40001), n = $stored in DynamoDB"
    fi
}

run_case increments a "update conc.counters set n = n + 1 where id = 'a';"
run_case start_missing c "update conc.counters set n = coalesce(n, 0) + 1 where id = 'c';"
run_case start_null d "update conc.counters set n = coalesce(n, 0) + 1 where id = 'd';"
# Read, then write: 4 sessions append to a text (`note = note || 'x'`, which DynamoDB cannot
# compute). A write whose item changed after the read is refused, and the statement is evaluated
# again on the item as it is now (as READ COMMITTED does); the text ends as long as the appends
# that reported UPDATE 1 made it, and at most one statement in ten gives up with 40001 (after
# being evaluated again ten times).
pids=()
for s in $(seq 1 "$sessions"); do
    (
        for _ in $(seq 1 "$per_session"); do
            echo "update conc.counters set note = note || 'x' where id = 'b';"
        done | "${psql_tags[@]}" -v ON_ERROR_STOP=0 -f - >"$work/append.$s.out" 2>"$work/append.$s.err"
    ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
appended=$(cat "$work"/append.*.out | grep -c '^UPDATE 1$' || true)
refused=$(cat "$work"/append.*.err | grep -c 'could not serialize access due to concurrent update' || true)
others=$(cat "$work"/append.*.err | grep '^psql:.*ERROR' | grep -vc 'could not serialize' || true)
note=$(node "$root/test/fixtures/dump.mjs" counters '{"id":{"S":"b"}}' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const i=JSON.parse(s);console.log(i.note.S)})')
if [ "${#note}" -ne $((4 + appended)) ] || [ "$others" -ne 0 ] || [ "$appended" -eq 0 ] ||
    [ $((refused * 10)) -gt $((sessions * per_session)) ]; then
    echo "concurrency: append FAILED: $appended appends reported, $refused refused, note has ${#note} characters (want $((4 + appended)))" >&2
    cat "$work"/append.*.err >&2
    failed=1
else
    echo "concurrency: append: $appended appended, $refused refused with 40001, none lost (note has ${#note} characters)"
fi

# Appends racing an independent client (test/concurrency/direct_writer.mjs) that sets the note of
# item 'r' to D1|, D2|, ...: each direct write must still be there, as the prefix, when the next
# one comes.
node "$root/test/fixtures/put_item.mjs" counters '{"id":{"S":"r"},"note":{"S":"D0|"}}'
pids=()
for s in $(seq 1 "$sessions"); do
    (
        # Appends until the direct writer is done, at most 100 a second per session.
        while [ ! -e "$work/race.done" ]; do
            echo "update conc.counters set note = note || 'x' where id = 'r';"
            sleep 0.01
        done | "${psql_tags[@]}" -v ON_ERROR_STOP=0 -f - >"$work/race.$s.out" 2>"$work/race.$s.err"
    ) &
    pids+=($!)
done
direct_rc=0
node "$root/test/concurrency/direct_writer.mjs" r 40 20 >"$work/race.direct" 2>"$work/race.direct.err" || direct_rc=$?
touch "$work/race.done"
for p in "${pids[@]}"; do wait "$p" || true; done
raced=$(cat "$work"/race.*.out | grep -c '^UPDATE 1$' || true)
others=$(cat "$work"/race.*.err | grep '^psql:.*ERROR' | grep -vc 'could not serialize' || true)
if [ "$direct_rc" -ne 0 ] || [ "$others" -ne 0 ] || [ "$raced" -eq 0 ]; then
    echo "concurrency: race with a direct writer FAILED: $raced wrapper appends, direct writer exit $direct_rc" >&2
    cat "$work"/race.direct.err "$work"/race.*.err >&2
    failed=1
else
    refused=$(cat "$work"/race.*.err | grep -c "could not serialize" || true)
    echo "concurrency: race with a direct writer: 40 direct writes, none overwritten by the $raced wrapper appends ($refused refused with 40001)"
fi

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
# Through the fault proxy: throttles and 5xx answers on GetItem and UpdateItem are retried, and
# the total stays exact. (These faults never reach DynamoDB, so a retry cannot apply a write
# twice.)
if [ -n "${FAULT_PROXY_CONTROL:-}" ]; then
    curl -sf -X POST "$FAULT_PROXY_CONTROL/reset"
    curl -sf -X POST "$FAULT_PROXY_CONTROL/rules" -d '[{"operation":"UpdateItem","rate":0.2,"fault":["throttle","throttling","500","503"]},{"operation":"GetItem","rate":0.2,"fault":["throttle","500"]}]'
    node "$root/test/fixtures/put_item.mjs" counters '{"id":{"S":"f"},"n":{"N":"0"}}'
    run_case faulty_increments f "update conc.faulty_counters set n = n + 1 where id = 'f';"
    faults=$(curl -sf "$FAULT_PROXY_CONTROL/stats")
    curl -sf -X POST "$FAULT_PROXY_CONTROL/reset"
    if ! echo "$faults" | grep -q '"faults":{"'; then
        echo "concurrency: faulty_increments FAILED: the proxy injected no fault ($faults)" >&2
        failed=1
    else
        echo "concurrency: faulty_increments: proxy $faults"
    fi
else
    echo "concurrency: SKIPPED: the fault-proxy case (no FAULT_PROXY_ENDPOINT; not run, not passed)" >&2
fi
exit "$failed"
