-- Writes in flight (write_concurrency): INSERT ... SELECT, COPY, batched DELETE and the row-by-row
-- UpdateItem/DeleteItem of UPDATE and DELETE keep several requests in flight while Postgres goes
-- on producing rows. Nothing changes in what is written or reported: exact row counts, the later
-- write of a key wins, a refused conditional write does not count, a failure names what was
-- written and what was not, and a cancel stops the writes in flight. Checked with the AWS SDK
-- (test/fixtures/dump.mjs) and against a local table holding the same rows.
set search_path = public, extensions;
\getenv proxy FAULT_PROXY_ENDPOINT
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" wif_items
create schema wif;
create foreign table wif.items (id bigint, g integer, v text)
  server dynamodb_server options (table 'wif_items');
create table wif.local_items (id bigint primary key, g integer, v text);
create function wif.explain(query text) returns setof text language plpgsql as $$
declare
  line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || query loop
    -- how many were in flight at most depends on timing: shown as "more than one" or the figure;
    -- the capacity a Scan consumed depends on the backend
    line := regexp_replace(line, '(Consumed Read Capacity: )[0-9.]+', '\1N');
    return next regexp_replace(line, '(Most Requests In Flight: )([2-9]|[1-9][0-9]+)$',
                               '\1more than one');
  end loop;
end $$;

-- the option: a server's default for its tables, from 1 to 64
alter foreign table wif.items options (add write_concurrency '0');
alter foreign table wif.items options (add write_concurrency '65');
alter foreign table wif.items options (add write_concurrency 'many');

-- how each write sends its requests
explain (costs off) insert into wif.items select g, g % 10, 'v' from generate_series(1, 10) g;
explain (costs off) insert into wif.items values (1, 1, 'x') returning id;
explain (costs off) insert into wif.items values (1, 1, 'x') on conflict do nothing;
explain (costs off) update wif.items set v = 'y' where g = 3;
explain (costs off) update wif.items set v = 'y' where g = 3 returning id;
explain (costs off) update wif.items i set v = l.v from wif.local_items l where l.id = i.id;
explain (costs off) delete from wif.items where g = 3;
explain (costs off) delete from wif.items;
alter foreign table wif.items options (add write_concurrency '1');
explain (costs off) insert into wif.items select g, g % 10, 'v' from generate_series(1, 10) g;
alter foreign table wif.items options (drop write_concurrency);

-- 2,000 rows, 80 BatchWriteItem requests, several in flight: exact count, every item once
select * from wif.explain('insert into wif.items select g, g % 10, ''row '' || g from generate_series(1, 2000) g');
insert into wif.local_items select g, g % 10, 'row ' || g from generate_series(1, 2000) g;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | wc -l
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items '{"id":{"N":"1234"}}'
select count(*), count(distinct id), sum(id), sum(g) from wif.items;

-- the same key written again and again, by batches in flight at once: the later write wins
alter foreign table wif.items options (add batch_size '2');
insert into wif.items select g % 7 + 1, 0, 'write ' || g from generate_series(1, 300) g;
\echo rows: :ROW_COUNT
alter foreign table wif.items options (drop batch_size);
update wif.local_items l set g = 0, v = 'write ' || last.g
  from (select g % 7 + 1 as id, max(g) as g from generate_series(1, 300) g group by 1) last
 where l.id = last.id;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | awk 'NR <= 7'
select (select array_agg(row(id, g, v) order by id) from wif.items where id <= 7) =
       (select array_agg(row(id, g, v) order by id) from wif.local_items where id <= 7) as same_as_local;

-- COPY into the foreign table: rows in batches, in flight
copy wif.items from stdin;
3001	5	copied 3001
3002	5	copied 3002
3003	5	copied 3003
3004	5	copied 3004
3005	5	copied 3005
\.
insert into wif.local_items select g, 5, 'copied ' || g from generate_series(3001, 3005) g;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items '{"id":{"N":"3004"}}'

-- UPDATE of the rows a non-key condition selects: one UpdateItem a row, in flight
select * from wif.explain('update wif.items set v = ''updated'' where g = 3');
update wif.local_items set v = 'updated' where g = 3;
select (select count(*) from wif.items where v = 'updated') as updated,
       (select count(*) from wif.local_items where v = 'updated') as updated_locally;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items '{"id":{"N":"1233"}}'

-- a row whose item another statement deletes after it was read is not written and does not
-- count: here the SET expression deletes every fourth item of those the UPDATE changes
create foreign table wif.items_too (id bigint) server dynamodb_server options (table 'wif_items');
create function wif.vanish(k bigint) returns text language plpgsql volatile as $$
begin
  if k % 4 = 0 then
    delete from wif.items_too where id = k;
  end if;
  return 'seen';
end $$;
update wif.items set v = wif.vanish(id) where g = 4;
\echo rows: :ROW_COUNT
delete from wif.local_items where g = 4 and id % 4 = 0;
update wif.local_items set v = 'seen' where g = 4;
select count(*) as local_rows from wif.local_items where g = 4;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | grep -c '"seen"'
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items '{"id":{"N":"1224"}}'

-- DELETE of the rows a non-key condition selects: one conditional DeleteItem a row, in flight
delete from wif.items where g = 6;
\echo rows: :ROW_COUNT
delete from wif.local_items where g = 6;
select (select count(*) from wif.items) as items, (select count(*) from wif.local_items) as local_items;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | wc -l

-- RETURNING waits for each answer and returns what DynamoDB holds
with u as (update wif.items set v = 'returned' where g = 7 and id < 40 returning id, v)
select * from u order by id;
update wif.local_items set v = 'returned' where g = 7 and id < 40;

-- through the fault-injection proxy: 30% of the requests throttled, failed with 500, or left
-- half unprocessed, with many in flight: every write made exactly once
create server wif_faulty foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '30', retry_max_delay_ms '200');
create foreign table wif.faulty (id bigint, g integer, v text)
  server wif_faulty options (table 'wif_items');
\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","rate":0.3,"fault":["throttle","throttling","500","unprocessed"]}' || echo "fault proxy unreachable"
insert into wif.faulty select g, g % 10, 'again ' || g from generate_series(5001, 7000) g;
\echo rows: :ROW_COUNT
update wif.faulty set v = 'faulty update' where g = 8;
\echo rows: :ROW_COUNT
delete from wif.faulty where g = 9;
\echo rows: :ROW_COUNT
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\! curl -sf "$FAULT_PROXY_CONTROL/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).faults;console.log(["throttle","throttling","500","unprocessed"].map(k=>k+": "+((f[k]||0)>0?"injected":"none")).join(", "))})'
insert into wif.local_items select g, g % 10, 'again ' || g from generate_series(5001, 7000) g;
update wif.local_items set v = 'faulty update' where g = 8;
delete from wif.local_items where g = 9;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | wc -l
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | grep -c '"faulty update"'
select (select array_agg(row(id, g, v) order by id) from wif.items) =
       (select array_agg(row(id, g, v) order by id) from wif.local_items) as same_as_local;

-- every BatchWriteItem leaves half its items unprocessed and the retries run out: the error says
-- how many items were not written, how many were, and names keys that were not; the figure
-- written is what DynamoDB holds
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" wif_items
create server wif_short foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '2', retry_max_delay_ms '20');
create foreign table wif.short (id bigint, g integer, v text)
  server wif_short options (table 'wif_items');
create function wif.failure(query text, out message text, out written bigint, out first_key bigint)
  language plpgsql as $$
declare
  detail text;
begin
  execute query;
exception when others then
  get stacked diagnostics message = message_text, detail = pg_exception_detail;
  written := (regexp_match(detail, '([0-9]+) items? w(?:as|ere) written'))[1]::bigint;
  first_key := (regexp_match(detail, '\{"id":([0-9]+)\}'))[1]::bigint;
  message := regexp_replace(message, '^[0-9]+ ', 'N ');
end $$;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"BatchWriteItem","fault":"unprocessed"}' || echo "fault proxy unreachable"
select message, written > 0 as some_written, first_key is not null as names_a_key
  from wif.failure('insert into wif.short select g, 0, ''x'' from generate_series(1, 1000) g') \gset
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\echo :message :some_written :names_a_key
-- (the same statement again, into an empty table, to compare its figure with what DynamoDB holds)
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" wif_items
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"BatchWriteItem","fault":"unprocessed"}' || echo "fault proxy unreachable"
select written, first_key
  from wif.failure('insert into wif.short select g, 0, ''x'' from generate_series(1, 1000) g') \gset
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\set held `node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items | wc -l`
select :written = :held as written_is_what_dynamodb_holds;
\setenv WIF_KEY :first_key
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" wif_items "{\"id\":{\"N\":\"$WIF_KEY\"}}" | wc -l

-- a write that gets no answer is stopped by statement_timeout within a second, with many in
-- flight, and the next statement works
create server wif_stalling foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test', request_timeout_ms '60000');
create foreign table wif.stalling (id bigint, g integer, v text)
  server wif_stalling options (table 'wif_items');
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"BatchWriteItem","fault":"stall"}' || echo "fault proxy unreachable"
select clock_timestamp() as t0 \gset
set statement_timeout = '300ms';
\set VERBOSITY terse
insert into wif.stalling select g, 0, 'stalled' from generate_series(1, 2000) g;
reset statement_timeout;
\set VERBOSITY default
select clock_timestamp() - :'t0'::timestamptz < interval '1.3 seconds' as stopped_within_a_second;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"UpdateItem","fault":"stall"}' || echo "fault proxy unreachable"
select clock_timestamp() as t0 \gset
set statement_timeout = '300ms';
\set VERBOSITY terse
update wif.stalling set v = 'stalled' where g = 0;
reset statement_timeout;
\set VERBOSITY default
select clock_timestamp() - :'t0'::timestamptz < interval '1.3 seconds' as stopped_within_a_second;
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
select count(*) > 0 as readable from wif.stalling;

\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"
set client_min_messages = warning;
drop schema wif cascade;
drop server wif_faulty, wif_short, wif_stalling cascade;
reset client_min_messages;
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" --delete wif_items
