-- Reads and writes through the fault-injection proxy (test/fault_proxy.mjs): throttling, 5xx
-- answers, dropped and cut connections, invalid JSON and stalls are retried or reported, and
-- never give a short or duplicated result.
set search_path = public, extensions;
\getenv proxy FAULT_PROXY_ENDPOINT
-- Proxy control: every command prints nothing unless the proxy cannot be reached.
\set faults_reset '\\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"'
:faults_reset
create server faulty foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test');
create schema faults;
create foreign table faults.paging (pk bigint, label text, even boolean)
  server faulty options (table 'paging', page_size '10');
create foreign table faults.big (id text, payload text, n integer)
  server faulty options (table 'big');
create foreign table faults.big_pages (id text, payload text, n integer)
  server faulty options (table 'big', page_size '100');
create foreign table faults.orders (customer_id text, order_date text, order_id text, amount numeric)
  server faulty options (table 'orders');

-- 20% of all requests get one of every kind of fault except stall
\! curl -sf -X POST "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","rate":0.2,"fault":["throttle","throttling","500","503","drop","cut","badjson"]}' || echo "fault proxy unreachable"
select count(*), count(distinct pk), min(pk), max(pk), sum(pk) from faults.paging;
select count(*), count(distinct id), sum(n), min(length(payload)), max(length(payload))
  from faults.big;
select count(*), count(distinct id), sum(n) from faults.big_pages;
select count(*), count(distinct n), sum(n) from faults.big_pages where n % 3 = 0;
select customer_id, order_date, order_id, amount from faults.orders
 where customer_id = 'cust1' order by order_date;
select pk, label from faults.paging where pk in (1, 17, 100, 250) order by pk;
select count(*) from faults.paging p join faults.big b on b.n = p.pk;
-- the proxy did inject faults, and the client retried them
\! curl -sf "$FAULT_PROXY_CONTROL/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).faults;console.log(["throttle","throttling","500","503","drop","cut","badjson"].map(k=>k+": "+((f[k]||0)>0?"injected":"none")).join(", "))})'
select retries > 0 as retried from dynamodb_client_stats()
 where server_name = 'faulty' limit 1;

-- a BatchGetItem whose keys come back half unprocessed every time: every row once
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"BatchGetItem","fault":"unprocessed"}' || echo "fault proxy unreachable"
explain (costs off) select pk from faults.paging where pk in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233);
select coalesce(max(retries), 0) as retries_before from dynamodb_client_stats()
 where server_name = 'faulty' \gset
select count(*), count(distinct pk), sum(pk) from faults.paging
 where pk in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233);
-- four rounds: 12 keys asked, then the 6, 3 and 1 kept back
select max(retries) - :retries_before as retries from dynamodb_client_stats()
 where server_name = 'faulty';
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"

-- 100% faults: the statement fails after max_attempts requests with the last error, whatever
-- the fault; never a short result
:faults_reset
create server faulty3 foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '3');
create foreign table faults.paging3 (pk bigint, label text, even boolean)
  server faulty3 options (table 'paging', page_size '100');
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"throttle"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"throttling"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"500"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"503"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"drop"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"cut"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"badjson"}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
-- the retry budget in time: with attempts to spare, retries stop once max_retry_time_ms has
-- passed (backoffs of at most 100 ms)
create server faulty_time foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '100000', max_retry_time_ms '500',
  retry_base_delay_ms '20', retry_max_delay_ms '100');
create foreign table faults.paging_time (pk bigint) server faulty_time options (table 'paging');
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
select count(*) from faults.paging_time;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"throttle"}' || echo "fault proxy unreachable"
select clock_timestamp() as t0 \gset
\set VERBOSITY terse
select count(*) from faults.paging_time;
\set VERBOSITY default
select clock_timestamp() - :'t0'::timestamptz between interval '0.5 seconds' and interval '2 seconds'
       as stopped_after_the_time_budget;
-- the first two pages arrive, then every request fails: an error, not 200 rows
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"503","after":2}' || echo "fault proxy unreachable"
select count(*) from faults.paging3;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"cut","after":2}' || echo "fault proxy unreachable"
select pk from faults.paging3;
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
select count(*), sum(pk) from faults.paging3;

-- EXPLAIN ANALYZE counts the pages read and the two throttled requests sent again, as the
-- client's retry counter does
create function faults.retries(server text) returns bigint language sql as $$
  select coalesce(max(retries), 0) from dynamodb_client_stats() where server_name = server $$;
create function faults.explain_analyze(query text) returns setof text language plpgsql as $$
declare
  line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || query loop
    return next regexp_replace(line, '(Consumed Read Capacity: )[0-9.]+', '\1N');
  end loop;
end $$;
select faults.retries('faulty3') as retries_before \gset
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"throttle","count":2}' || echo "fault proxy unreachable"
select * from faults.explain_analyze('select * from faults.paging3');
select faults.retries('faulty3') - :retries_before as retries;

-- a request that gets no answer is stopped by statement_timeout within a second, and the next
-- statement works
create server stalling foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', request_timeout_ms '60000');
create foreign table faults.paging_stall (pk bigint, label text, even boolean)
  server stalling options (table 'paging', page_size '100');
select count(*) from faults.paging_stall;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"Scan","fault":"stall"}' || echo "fault proxy unreachable"
select clock_timestamp() as t0 \gset
set statement_timeout = '300ms';
select count(*) from faults.paging_stall;
reset statement_timeout;
select clock_timestamp() - :'t0'::timestamptz < interval '1.3 seconds' as stopped_within_a_second;
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
select count(*), sum(pk) from faults.paging_stall;

-- 10,000 rows written while 30% of the requests are throttled or come back with half their
-- items unprocessed: every item in DynamoDB exactly once (a server with room in its retry
-- budget, so that the run does not depend on luck)
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" fault_writes
create server faulty_writes foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '30', retry_max_delay_ms '200');
create foreign table faults.writes (id bigint, label text)
  server faulty_writes options (table 'fault_writes');
\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","rate":0.3,"fault":["throttle","throttling","unprocessed"]}' || echo "fault proxy unreachable"
insert into faults.writes select g, 'row-' || g from generate_series(1, 10000) g;
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
-- the proxy did throttle and keep items back
\! curl -sf "$FAULT_PROXY_CONTROL/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).faults;console.log(["throttle","throttling","unprocessed"].map(k=>k+": "+((f[k]||0)>0?"injected":"none")).join(", "))})'
-- read back with the AWS SDK: items, distinct items, and the sum of their ids
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" fault_writes | wc -l
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" fault_writes | sort -u | wc -l
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" fault_writes | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let t=0;for(const l of s.split("\n"))if(l)t+=Number(JSON.parse(l).id.N);console.log(t)})'
-- and through a fresh foreign table on a server without faults
create foreign table faults.writes_check (id bigint, label text)
  server dynamodb_server options (table 'fault_writes');
select count(*), count(distinct id), sum(id), count(*) filter (where label = 'row-' || id) as labels_match
  from faults.writes_check;
-- EXPLAIN ANALYZE of a write counts its requests, and the two throttled ones sent again
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"BatchWriteItem","fault":"throttle","count":2}' || echo "fault proxy unreachable"
select * from faults.explain_analyze(
  'insert into faults.writes select g, ''extra-'' || g from generate_series(10001, 10050) g');
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" fault_writes | wc -l

:faults_reset
set client_min_messages = warning;
drop schema faults cascade;
drop server faulty, faulty3, faulty_time, faulty_writes, stalling cascade;
reset client_min_messages;
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" --delete fault_writes
