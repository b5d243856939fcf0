#!/usr/bin/env bash
# Capacity budgets and the statement-wide backoff, through the fault proxy, which records the
# time of each answer and the capacity DynamoDB reports it consumed (test/capacity/check.mjs
# checks the record):
# - a Scan of about 500 read units under a budget of 100 a second (max_read_units_per_second)
#   takes 4 to 6 seconds, and no second sees more than the budget and its burst;
# - count(*) over 4 segments under read_capacity_share 0.5 of a table provisioned with 200 read
#   units: the same;
# - an INSERT of 500 items of about 1 KB under max_write_units_per_second 100: the same, and
#   the AWS SDK finds the 500 items;
# - without a budget the same statements take well under 4 seconds;
# - a share of an on-demand table's capacity is refused, and so are bad values;
# - a parallel Scan (8 segments) of a table that throttles beyond 10 requests a second
#   finishes with every row once, and sends fewer requests with the statement-wide backoff
#   than with each request backing off alone (dynamodb.statement_backoff = off); so does an
#   INSERT of 1000 rows (16 BatchWriteItem requests in flight) when BatchWriteItem throttles
#   beyond 10 requests a second, and the AWS SDK finds every item;
# - a cancel ends a wait at once (the backend waits on its latch): a Scan whose answer never
#   comes, and a Scan waiting for a budget of 0.01 units a second, each end within 900 ms of
#   the start of a statement_timeout of 300 ms (measured in the session); a stalled Scan
#   watched from another session waits with wait_event_type Extension, and
#   pg_cancel_backend ends it within 900 ms.
# Items are written and counted by the AWS SDK (test/capacity/load.mjs).
#
#   test/capacity/run.sh          # all of the above (per-backend budgets)
#   test/capacity/run.sh shared   # with wrappers in shared_preload_libraries (after a run of
#                                 # the above): two sessions scanning at once under one budget
#                                 # of 100 read units a second take 8 to 12 seconds together
#
# Needs the harness's environment (PGHOST, PGPORT, DYNAMODB_ENDPOINT, FAULT_PROXY_ENDPOINT,
# FAULT_PROXY_CONTROL) and a database `dynamodb_regress` with the extension in schema
# `extensions` and its foreign-data wrapper `dynamodb_wrapper` (the SQL suite's).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
psql=("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -q -At -v ON_ERROR_STOP=1 -d dynamodb_regress)
control="${FAULT_PROXY_CONTROL:?the fault proxy is needed (FAULT_PROXY_CONTROL)}"
failed=0
mode="${1:-all}"

if [ "$mode" = shared ]; then
    preloaded=$("${psql[@]}" -c 'show shared_preload_libraries')
    if [[ ",${preloaded// /}," != *,wrappers,* ]]; then
        echo "capacity: shared FAILED: wrappers is not in shared_preload_libraries ($preloaded)" >&2
        exit 1
    fi
    curl -sf -X POST "$control/reset"
    curl -sf -X PUT "$control/answers"
    pids=()
    for s in 1 2; do
        "${psql[@]}" -c "select count(distinct id), sum(length(payload)) from cap.items" \
            >"/tmp/capacity-shared.$$.$s" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    for s in 1 2; do
        expect_out=$(cat "/tmp/capacity-shared.$$.$s")
        rm -f "/tmp/capacity-shared.$$.$s"
        if [ "$expect_out" != "4000|4000000" ]; then
            echo "capacity: shared session $s FAILED: [$expect_out]" >&2
            failed=1
        fi
    done
    curl -sf "$control/answers" |
        node "$root/test/capacity/check.mjs" "two sessions, one shared budget of 100 units/s" Scan 100 8 12 900 || failed=1
    exit "$failed"
fi

figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT
node "$root/test/capacity/load.mjs" load
"${psql[@]}" -v proxy="$FAULT_PROXY_ENDPOINT" <<'SQL'
set search_path = public, extensions;
set client_min_messages = warning;
drop schema if exists cap cascade;
create schema cap;
drop server if exists capacity_server cascade;
drop server if exists capacity_free cascade;
create server capacity_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '1000', max_retry_time_ms '120000');
create server capacity_free foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '1000', max_retry_time_ms '120000');
create foreign table cap.items (id text collate "C", payload text) server capacity_server
  options (table 'capacity_items', segments '1', max_read_units_per_second '100');
create foreign table cap.items_share (id text collate "C", payload text) server capacity_server
  options (table 'capacity_items', segments '4', read_capacity_share '0.5');
create foreign table cap.writes (id text collate "C", payload text) server capacity_server
  options (table 'capacity_writes', max_write_units_per_second '100');
create foreign table cap.writes_share (id text collate "C", payload text) server capacity_server
  options (table 'capacity_writes', write_capacity_share '0.5');
create foreign table cap.items_free (id text collate "C", payload text) server capacity_free
  options (table 'capacity_items', segments '4');
create foreign table cap.writes_free (id text collate "C", payload text) server capacity_free
  options (table 'capacity_writes');
create foreign table cap.throttled (id text collate "C", payload text) server capacity_free
  options (table 'capacity_items', segments '8', page_size '100');
create foreign table cap.trickle (id text collate "C", payload text) server capacity_free
  options (table 'capacity_items', max_read_units_per_second '0.01');
SQL

# Runs one statement with the proxy recording answers; prints what psql printed.
recorded() {
    curl -sf -X POST "$control/reset"
    curl -sf -X PUT "$control/answers"
    "${psql[@]}" -c "set search_path = public, extensions" -c "$1"
}
answers() { curl -sf "$control/answers"; }

expect() {
    local name="$1" got="$2" want="$3"
    if [ "$got" != "$want" ]; then
        echo "capacity: $name FAILED: got [$got], want [$want]" >&2
        failed=1
    fi
}

# The paced scan, watched from another session: it waits with a wait event of type Extension.
curl -sf -X POST "$control/reset"
curl -sf -X PUT "$control/answers"
"${psql[@]}" -c "select count(distinct id), sum(length(payload)) from cap.items /* paced */" \
    >"$figures" 2>&1 &
scan_pid=$!
sleep 1.5
waits=$("${psql[@]}" -c "select wait_event_type from pg_stat_activity
  where query like '%/* paced */%' and pid <> pg_backend_pid()")
wait "$scan_pid" || failed=1
expect "paced scan result" "$(cat "$figures")" "4000|4000000"
expect "wait event of the paced scan" "$waits" "Extension"
echo "capacity: pg_stat_activity of the paced scan: wait_event_type $waits"
answers | node "$root/test/capacity/check.mjs" "scan under 100 units/s" Scan 100 4 6 450 || failed=1

out=$(recorded "select count(*) from cap.items_share")
expect "paced count(*) result" "$out" "4000"
answers | node "$root/test/capacity/check.mjs" "count(*), 4 segments, share 0.5 of 200" Scan 100 4 6 450 || failed=1

out=$(recorded "insert into cap.writes select 'w' || lpad(g::text, 4, '0'), repeat('x', 900) from generate_series(1, 500) g")
answers | node "$root/test/capacity/check.mjs" "insert under 100 units/s" BatchWriteItem 100 4 6 500 || failed=1
expect "items written (AWS SDK)" "$(node "$root/test/capacity/load.mjs" count capacity_writes)" "500"

# Without a budget: the same work at full speed (and no ConsumedCapacity asked for).
out=$(recorded "select count(distinct id), sum(length(payload)) from cap.items_free")
expect "unpaced scan result" "$out" "4000|4000000"
answers | node "$root/test/capacity/check.mjs" "scan without a budget" Scan 0 0 3 0 || failed=1
out=$(recorded "insert into cap.writes_free select 'v' || lpad(g::text, 4, '0'), repeat('x', 900) from generate_series(1, 500) g")
answers | node "$root/test/capacity/check.mjs" "insert without a budget" BatchWriteItem 0 0 3 0 || failed=1
expect "items written (AWS SDK)" "$(node "$root/test/capacity/load.mjs" count capacity_writes)" "1000"

# EXPLAIN ANALYZE under a budget: the capacity consumed and the time waited for it.
plan=$("${psql[@]}" -c "set search_path = public, extensions" \
    -c "explain (analyze, costs off, timing off, summary off) select payload from cap.items where id = 'i0001'" \
    -c "explain (analyze, costs off, timing off, summary off) insert into cap.writes values ('e1', 'x')")
for line in "DynamoDB Consumed Read Capacity: 0.5" "DynamoDB Capacity Wait: " \
    "DynamoDB Consumed Write Capacity: 1.0"; do
    if ! grep -qF "$line" <<<"$plan"; then
        echo "capacity: EXPLAIN ANALYZE FAILED: no \"$line\" in:" >&2
        echo "$plan" >&2
        failed=1
    fi
done
echo "capacity: EXPLAIN ANALYZE: $(grep -E 'Consumed|Capacity Wait' <<<"$plan" | sed 's/^ *//' | paste -sd ';')"

# Refused: a share of an on-demand table, and values that are not budgets.
refused() {
    local name="$1" statement="$2" message="$3" err
    if err=$("${psql[@]}" -c "set search_path = public, extensions" -c "$statement" 2>&1); then
        echo "capacity: $name FAILED: the statement ran" >&2
        failed=1
    elif ! grep -qF "$message" <<<"$err"; then
        echo "capacity: $name FAILED: $err" >&2
        failed=1
    else
        echo "capacity: $name: refused ($(grep -m1 ERROR <<<"$err"))"
    fi
}
refused "share of an on-demand table" "insert into cap.writes_share values ('s1', 'x')" \
    'DynamoDB table "capacity_writes" is on demand (PAY_PER_REQUEST)'
refused "a budget of 0" "alter foreign table cap.items options (set max_read_units_per_second '0')" \
    'The value must be a number above 0, read capacity units a second.'
refused "a share above 1" "alter foreign table cap.items_share options (set read_capacity_share '1.5')" \
    'The value must be a number above 0 and at most 1, the share of the table'
refused "a budget that is not a number" "alter server capacity_server options (add max_write_units_per_second 'lots')" \
    'invalid value for option "max_write_units_per_second": "lots"'

# A cancel ends the wait at once, whatever the wait is for. Runs $2 in a session of its own
# under a statement_timeout of $1 ms; prints the time from before the SET to after the
# statement, in ms, then what psql printed.
timed_out() {
    "${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -q -At -d dynamodb_regress 2>&1 <<SQL
set search_path = public, extensions;
select extract(epoch from clock_timestamp()) as t0 \gset
set statement_timeout = $1;
$2;
reset statement_timeout;
select 'elapsed ' || round((extract(epoch from clock_timestamp()) - :t0) * 1000);
SQL
}
check_cancel() {
    local name="$1" out="$2" ms
    ms=$(sed -n 's/^elapsed //p' <<<"$out")
    if ! grep -qF "canceling statement due to statement timeout" <<<"$out" || [ -z "$ms" ] ||
        [ "$ms" -ge 900 ]; then
        echo "capacity: cancel of $name FAILED (a statement_timeout of 300 ms must end it within 900 ms):" >&2
        echo "$out" >&2
        failed=1
    else
        echo "capacity: cancel of $name: statement_timeout 300 ms, ended after $ms ms"
    fi
}
curl -sf -X POST "$control/reset"
curl -sf -X PUT "$control/rules" -d '[{"operation":"Scan","fault":"stall"}]'
check_cancel "a Scan whose answer never comes" "$(timed_out 300 "select count(*) from cap.items_free")"
curl -sf -X POST "$control/reset"
check_cancel "a Scan waiting for a budget of 0.01 units/s" "$(timed_out 300 "select count(*) from cap.trickle")"

# The stalled Scan, watched from another session, then cancelled from it.
curl -sf -X PUT "$control/rules" -d '[{"operation":"Scan","fault":"stall"}]'
"${psql[@]}" -c "select count(*) from cap.items_free /* stalled */" >"$figures" 2>&1 &
stalled_pid=$!
seen=""
for _ in $(seq 1 100); do
    seen=$("${psql[@]}" -c "select pid || ' ' || wait_event_type || ' ' || wait_event
      from pg_stat_activity where query like '%/* stalled */%' and pid <> pg_backend_pid()
      and wait_event_type is not null")
    [ -n "$seen" ] && break
    sleep 0.1
done
read -r backend event_type event <<<"$seen"
expect "wait event of a Scan awaiting its answer" "$event_type" "Extension"
if [ -n "${backend:-}" ]; then
    started=$(date +%s%N)
    "${psql[@]}" -c "select pg_cancel_backend($backend)" >/dev/null
    wait "$stalled_pid" || true
    ms=$((($(date +%s%N) - started) / 1000000))
    if ! grep -qF "canceling statement due to user request" "$figures" || [ "$ms" -ge 900 ]; then
        echo "capacity: pg_cancel_backend of a stalled Scan FAILED after $ms ms: $(cat "$figures")" >&2
        failed=1
    else
        echo "capacity: a stalled Scan waits with $event_type/$event; pg_cancel_backend ended it after $ms ms"
    fi
else
    kill "$stalled_pid" 2>/dev/null || true
    wait "$stalled_pid" || true
fi
curl -sf -X POST "$control/reset"

# Throttling beyond 10 Scan requests a second: the statement-wide backoff against each request
# backing off alone. Every row comes once either way.
throttled_run() {
    curl -sf -X POST "$control/reset"
    curl -sf -X PUT "$control/rules" -d '[{"operation":"Scan","fault":"throttle","per_second":10}]'
    out=$("${psql[@]}" -c "set search_path = public, extensions" -c "set dynamodb.statement_backoff = $1" \
        -c "select count(*), count(distinct id) from cap.throttled")
    expect "throttled scan result (statement_backoff $1)" "$out" "4000|4000"
    curl -sf "$control/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`${j.operations.Scan||0} ${j.faults.throttle||0}`)})'
}
# The same for writes in flight: an INSERT of 1000 rows (40 BatchWriteItem requests, 16 at once)
# with BatchWriteItem throttled beyond 10 requests a second.
throttled_insert() {
    curl -sf -X POST "$control/reset"
    curl -sf -X PUT "$control/rules" -d '[{"operation":"BatchWriteItem","fault":"throttle","per_second":10}]'
    "${psql[@]}" -c "set search_path = public, extensions" -c "set dynamodb.statement_backoff = $1" \
        -c "insert into cap.writes_free select 't$1' || lpad(g::text, 4, '0'), 'x' from generate_series(1, 1000) g"
    curl -sf "$control/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`${j.operations.BatchWriteItem||0} ${j.faults.throttle||0}`)})'
}
before=$(node "$root/test/capacity/load.mjs" count capacity_writes)
throttled_insert on >"$figures"
read -r shared_requests shared_throttled <"$figures"
throttled_insert off >"$figures"
read -r alone_requests alone_throttled <"$figures"
curl -sf -X POST "$control/reset"
expect "items written by the throttled INSERTs (AWS SDK)" \
    "$(node "$root/test/capacity/load.mjs" count capacity_writes)" "$((before + 2000))"
if [ "$shared_throttled" -eq 0 ] || [ "$alone_throttled" -eq 0 ] || [ "$shared_requests" -ge "$alone_requests" ]; then
    echo "capacity: throttled INSERT FAILED: statement-wide backoff $shared_requests BatchWriteItem requests ($shared_throttled throttled), each request alone $alone_requests ($alone_throttled throttled)" >&2
    failed=1
else
    echo "capacity: throttled INSERT: every item written; statement-wide backoff $shared_requests BatchWriteItem requests ($shared_throttled throttled), each request alone $alone_requests ($alone_throttled throttled)"
fi

throttled_run on >"$figures"
read -r shared_requests shared_throttled <"$figures"
throttled_run off >"$figures"
read -r alone_requests alone_throttled <"$figures"
curl -sf -X POST "$control/reset"
if [ "$shared_throttled" -eq 0 ] || [ "$alone_throttled" -eq 0 ] || [ "$shared_requests" -ge "$alone_requests" ]; then
    echo "capacity: throttled parallel scan FAILED: statement-wide backoff $shared_requests Scan requests ($shared_throttled throttled), each request alone $alone_requests ($alone_throttled throttled)" >&2
    failed=1
else
    echo "capacity: throttled parallel scan: every row once; statement-wide backoff $shared_requests Scan requests ($shared_throttled throttled), each request alone $alone_requests ($alone_throttled throttled)"
fi
exit "$failed"
