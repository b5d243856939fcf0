-- UPDATEs that DynamoDB computes from the item: one UpdateItem, nothing read first; what
-- DynamoDB holds is checked with the AWS SDK (dump.mjs).
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" counters >/dev/null
set search_path = public, extensions;
create schema atomic;
create foreign table atomic.counters (id text collate "C", n bigint, note text)
  server dynamodb_server options (table 'counters');

-- n + c, n - c, coalesce(n, s) + c, with constants and parameters, mixed with plain values
explain (verbose, costs off) update atomic.counters set n = n + 1 where id = 'a';
update atomic.counters set n = n + 1 where id = 'a';
explain (verbose, costs off) update atomic.counters set n = n - 3, note = 'x' where id = 'b';
update atomic.counters set n = n - 3, note = 'x' where id = 'b' returning *;
explain (verbose, costs off) update atomic.counters set n = coalesce(n, 100) + 1 where id = 'c';
update atomic.counters set n = coalesce(n, 100) + 1 where id = 'c' returning *;
prepare bump (bigint, text) as update atomic.counters set n = n + $1 where id = $2;
execute bump(5, 'a');
execute bump(-2, 'a');
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters

-- SQL's answers where DynamoDB cannot add: a NULL n stays NULL, coalesce starts from its
-- default, a missing item is UPDATE 0, a string is an error
explain (analyze, costs off, timing off, summary off)
  update atomic.counters set n = n + 1 where id = 'd';
select n from atomic.counters where id = 'd';
update atomic.counters set n = coalesce(n, 5) + 1 where id = 'd' returning *;
update atomic.counters set n = n + 1 where id = 'nope';
update atomic.counters set n = n + 1 where id = 'e';
update atomic.counters set n = n + null where id = 'b' returning *;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters

-- what DynamoDB cannot compute as Postgres does goes the usual way (read, then write)
explain (costs off) update atomic.counters set n = n * 2 where id = 'a';
explain (costs off) update atomic.counters set n = n + 1 where id = 'a' and note = 'x';

-- Compare-and-set: the WHERE clause's other conditions, where DynamoDB decides them exactly, go
-- into the request's ConditionExpression; when they do not hold, nothing is written (UPDATE 0)
create foreign table atomic.jobs (id text collate "C", n bigint, note text, owner text)
  server dynamodb_server options (table 'counters');
explain (verbose, costs off) update atomic.jobs set owner = 'me' where id = 'j1' and owner is null;
update atomic.jobs set owner = 'me' where id = 'j1' and owner is null returning id, owner;
update atomic.jobs set owner = 'you' where id = 'j1' and owner is null returning id, owner;
explain (verbose, costs off) update atomic.jobs set n = n + 1 where id = 'a' and n = 4;
update atomic.jobs set n = n + 1 where id = 'a' and n = 4 returning id, n;
update atomic.jobs set n = n + 1 where id = 'a' and n = 4 returning id, n;
explain (verbose, costs off) delete from atomic.jobs where id = 'c' and n > 200;
delete from atomic.jobs where id = 'c' and n > 200 returning id;
delete from atomic.jobs where id = 'c' and n between 100 and 200 returning id, n;
-- a condition DynamoDB cannot decide exactly (text compares as Postgres's text): read, then write
explain (costs off) update atomic.jobs set owner = 'x' where id = 'j1' and owner = 'me';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters

-- An UPDATE that reads before it writes requires the item to still hold what it read: a
-- direct write by another client in between is never overwritten (SQLSTATE 40001)
create function atomic.slowly(t text) returns text language sql volatile
  as $$ select t || (select pg_sleep(2))::text $$;
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"j1"},"note":{"S":"written directly"}}') >/dev/null 2>&1 &
\set VERBOSITY default
update atomic.jobs set note = atomic.slowly(note) where id = 'j1';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"j1"}}'
-- without a change in between, the same statement writes
update atomic.jobs set note = note || '!' where id = 'j1' returning id, note;
