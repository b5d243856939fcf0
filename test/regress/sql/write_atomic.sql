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
-- text equality is exact (an item whose owner reads as 'me': here only the string), so it is
-- compare-and-set too; '5' would also match the number 5, 'true' the boolean
explain (verbose, costs off) update atomic.jobs set owner = 'x' where id = 'j1' and owner = 'me';
explain (verbose, costs off) update atomic.jobs set owner = 'x' where id = 'j1' and owner <> '5';
-- a condition DynamoDB cannot decide exactly (LIKE on text, which also reads numbers and
-- booleans): read, then write
explain (costs off) update atomic.jobs set owner = 'x' where id = 'j1' and owner like 'm%';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters

-- An UPDATE that reads before it writes requires the item to still hold what it read. When
-- another client changed the item in between, the statement is evaluated again on the item as it
-- is now (as READ COMMITTED does): the new values are computed from the direct write, which is
-- never overwritten
create function atomic.slowly(t text) returns text language sql volatile
  as $$ select t || (select pg_sleep(3))::text $$;
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"j1"},"note":{"S":"written directly"}}') >/dev/null 2>&1 &
\set VERBOSITY default
explain (analyze, verbose, costs off, timing off, summary off)
  update atomic.jobs set note = atomic.slowly(note) || ', then updated' where id = 'j1';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"j1"}}'
-- ... and its WHERE clause is checked again: an item that no longer satisfies it is left alone
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"j1"},"note":{"S":"taken"}}') >/dev/null 2>&1 &
update atomic.jobs set note = 'mine' where id = 'j1' and atomic.slowly(note) like 'written%'
  returning id, note;
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"j1"},"note":{"S":"kept"}}') >/dev/null 2>&1 &
delete from atomic.jobs where id = 'j1' and atomic.slowly(note) = 'taken' returning id, note;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"j1"}}'
-- a row written through a BEFORE ROW trigger is not evaluated again (the trigger would run
-- twice): the statement fails with SQLSTATE 40001 and writes nothing
create function atomic.same() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger same before update on atomic.jobs for each row execute function atomic.same();
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"j1"},"note":{"S":"written again"}}') >/dev/null 2>&1 &
update atomic.jobs set note = atomic.slowly(note) || ', then updated' where id = 'j1';
drop trigger same on atomic.jobs;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"j1"}}'
-- without a change in between, the same statement writes
update atomic.jobs set note = note || '!' where id = 'j1' returning id, note;
-- an attribute of another type than its column (a number in a text column) never equals the
-- value as read: a clear error, nothing written
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"nn"},"note":{"N":"5"}}'
update atomic.jobs set note = note || '!' where id = 'nn';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"nn"}}'

-- jsonb concatenation with a list: `l || v` and `v || l` go as list_append on the condition that
-- l holds a list (v: an array's elements, or v itself); otherwise Postgres's own answer, computed
-- from the item as read and written on the condition that it has not changed
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" counters >/dev/null
create foreign table atomic.lists (id text collate "C", l jsonb options (catch_all 'false'),
  note text) server dynamodb_server options (table 'counters');
explain (verbose, costs off) update atomic.lists set l = l || '[1, "x"]' where id = 'a';
update atomic.lists set l = l || '[1, "x"]' where id = 'a' returning l;
explain (verbose, costs off) update atomic.lists set l = '{"k": true}' || l where id = 'a';
update atomic.lists set l = '{"k": true}' || l where id = 'a' returning l;
prepare app (jsonb, text) as update atomic.lists set l = l || $1 where id = $2;
execute app('[2, [3]]', 'a');
execute app('"s"', 'a');
execute app(null, 'nope');
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"a"}}'
-- no list: a missing l stays NULL, a string joins a list
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"s"},"l":{"S":"text"}}'
explain (analyze, costs off, timing off, summary off)
  update atomic.lists set l = l || '[1]' where id = 'b';
update atomic.lists set l = '[0]' || l where id = 's' returning l;
update atomic.lists set l = l || '{"k": 1}' where id = 's' returning l;
select id, l from atomic.lists where id in ('b', 's') order by id;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"s"}}'

-- a map or list read and written back is compared member by member: a direct write in between
-- is seen, and the new value computed from it
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"m"},"l":{"M":{"a":{"N":"1"},"b":{"L":[{"N":"1"},{"NULL":true}]}}}}'
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"m"},"l":{"M":{"a":{"N":"2"},"b":{"L":[{"N":"1"},{"NULL":true}]}}}}') >/dev/null 2>&1 &
explain (verbose, costs off)
  update atomic.lists set l = atomic.slowly(l::text)::jsonb || '{"c": 3}' where id = 'm';
update atomic.lists set l = atomic.slowly(l::text)::jsonb || '{"c": 3}' where id = 'm'
  returning l;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"m"}}'

-- the catch-all: each member the statement writes must still hold what was read, so a
-- concurrent change to it is seen (x: 10 + 1, not 1 + 1); members it does not write are kept
create foreign table atomic.docs (id text collate "C", _attrs jsonb)
  server dynamodb_server options (table 'counters');
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"c1"},"x":{"N":"1"},"note":{"S":"a"}}'
\! (sleep 0.5; node "$HARNESS_ROOT/test/fixtures/put_item.mjs" counters '{"id":{"S":"c1"},"x":{"N":"10"},"note":{"S":"b"}}') >/dev/null 2>&1 &
explain (verbose, costs off) update atomic.docs
  set _attrs = atomic.slowly(_attrs::text)::jsonb || jsonb_build_object('x', (_attrs->>'x')::int + 1)
  where id = 'c1';
update atomic.docs
  set _attrs = atomic.slowly(_attrs::text)::jsonb || jsonb_build_object('x', (_attrs->>'x')::int + 1)
  where id = 'c1' returning _attrs;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters '{"id":{"S":"c1"}}'

-- A DELETE that reads first: one DeleteItem per row, on the condition that the item still holds
-- what its WHERE clause read; a WHERE clause on the key alone, or none, deletes in batches
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" counters >/dev/null
explain (verbose, costs off) delete from atomic.counters where note = 'keep';
delete from atomic.counters where note = 'keep' returning id, n;
delete from atomic.counters where n = 0;
explain (verbose, costs off) delete from atomic.counters where id in ('c', 'd');
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" counters
