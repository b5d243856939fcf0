-- Transactions with dynamodb.atomic_commit (on by default): INSERT, UPDATE and DELETE inside a
-- transaction block are kept and sent at COMMIT; ROLLBACK, an error and ROLLBACK TO SAVEPOINT
-- discard them. A transaction that wrote one item sends the plain request. What DynamoDB holds
-- is checked with the AWS SDK (dump.mjs). Commits of several items (TransactWriteItems) are in
-- xact_commit.
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" xact_accounts xact_lines >/dev/null
set search_path = public, extensions;
create schema xact;
create foreign table xact.accounts (id text collate "C", balance bigint, status text)
  server dynamodb_server options (table 'xact_accounts');
create foreign table xact.lines (doc text collate "C", line int, text text)
  server dynamodb_server options (table 'xact_lines');
-- The write requests this session sent since the last call.
create table xact.seen (operation text primary key, requests bigint);
create function xact.writes_sent() returns table (operation text, sent bigint)
language plpgsql as $$
begin
  return query
    select s.operation, s.requests - coalesce(b.requests, 0)
      from dynamodb_client_stats() s left join xact.seen b using (operation)
     where s.server_name = 'dynamodb_server'
       and s.operation in ('PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem',
                           'TransactWriteItems')
       and s.requests - coalesce(b.requests, 0) > 0
     order by 1;
  delete from xact.seen;
  insert into xact.seen select s.operation, s.requests from dynamodb_client_stats() s
   where s.server_name = 'dynamodb_server';
end $$;
show dynamodb.atomic_commit;
select * from xact.writes_sent() where false;

-- ROLLBACK: nothing reaches DynamoDB
begin;
insert into xact.accounts values ('dave', 1, 'open'), ('erin', 2, 'open');
insert into xact.accounts values ('frank', 3, 'open');
update xact.accounts set balance = balance + 1 where id = 'alice';
delete from xact.lines where doc = 'd1' and line = 2;
rollback;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines

-- One item written: at COMMIT, the plain request (here an UpdateItem on the condition that the
-- item still holds the balance read); until then DynamoDB has the old value.
begin;
update xact.accounts set balance = balance + 7 where id = 'bob';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"bob"}}'
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"bob"}}'
-- nothing written: nothing sent
begin;
select id, balance from xact.accounts where id = 'alice';
update xact.accounts set balance = 0 where id = 'nobody';
delete from xact.lines where doc = 'd9' and line = 1;
commit;
select * from xact.writes_sent();

-- Savepoints: what a rolled back savepoint wrote is discarded, a released one's is kept
begin;
insert into xact.lines values ('s', 1, 'kept');
savepoint a;
insert into xact.lines values ('s', 2, 'discarded');
rollback to savepoint a;
savepoint b;
insert into xact.lines values ('s', 3, 'discarded too');
savepoint c;
select 1 / 0;
rollback to savepoint b;
release savepoint a;
rollback;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines '{"doc":{"S":"s"},"line":{"N":"1"}}'
begin;
savepoint a;
insert into xact.lines values ('s', 2, 'discarded');
rollback to savepoint a;
savepoint b;
insert into xact.lines values ('s', 3, 'released');
release savepoint b;
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines

-- An error in the block: the transaction is aborted, nothing written
begin;
insert into xact.accounts values ('gina', 1, 'open');
insert into xact.accounts values (null, 1, 'open');
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"gina"}}'
-- A failed statement in a function: its exception block's writes are discarded
create function xact.open_account(name text, fail boolean) returns text language plpgsql as $$
begin
  begin
    insert into xact.accounts values (name, 0, 'open');
    if fail then
      raise exception 'no account for %', name;
    end if;
  exception when others then
    return 'not opened: ' || sqlerrm;
  end;
  return 'opened';
end $$;
begin;
select xact.open_account('hank', true);
select xact.open_account('ivy', false);
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts

-- The limits are errors at the statement that crosses them: 101 items
begin;
insert into xact.lines select 'bulk', g, 'x' from generate_series(1, 101) g;
rollback;
begin;
insert into xact.lines select 'bulk', g, 'x' from generate_series(1, 60) g;
insert into xact.lines select 'bulk', g, 'x' from generate_series(61, 101) g;
rollback;
-- 4 MB
begin;
insert into xact.lines select 'big', g, repeat('x', 300000) from generate_series(1, 14) g;
rollback;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines | grep -c -e bulk -e big
-- Several writes of one item are one action (DynamoDB allows one per item in a transaction),
-- and key lookups see the transaction's own writes
begin;
insert into xact.accounts values ('jack', 1, 'open');
insert into xact.accounts values ('jack', 2, 'open');
select * from xact.accounts where id = 'jack';
update xact.accounts set balance = balance * 10 where id = 'jack';
update xact.accounts set status = null where id = 'jack';
select * from xact.accounts where id = 'jack';
select * from xact.accounts where id in ('jack', 'alice', 'nobody') order by id;
select count(*) from xact.accounts where id in ('jack', 'alice');
select balance from xact.accounts where id = 'jack' and balance > 10;
-- (nothing of it in DynamoDB yet)
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"jack"}}'
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"jack"}}'
-- a deleted item is gone for the transaction; put again, it is back
begin;
delete from xact.accounts where id = 'jack';
select * from xact.accounts where id = 'jack';
update xact.accounts set balance = 0 where id = 'jack';
delete from xact.accounts where id = 'jack';
insert into xact.accounts values ('jack', 3, 'reopened') on conflict do nothing;
insert into xact.accounts values ('jack', 4, 'twice') on conflict do nothing;
select * from xact.accounts where id = 'jack';
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"jack"}}'
-- a savepoint returns to the item's earlier write
begin;
update xact.accounts set balance = 5 where id = 'jack';
savepoint a;
update xact.accounts set balance = 6 where id = 'jack';
select balance from xact.accounts where id = 'jack';
rollback to savepoint a;
select balance from xact.accounts where id = 'jack';
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"jack"}}'

-- what a later statement read of attributes the earlier one left alone is checked at COMMIT
-- too: here another client closes the account in between, and COMMIT fails with 40001
begin;
update xact.accounts set balance = balance + 1 where id = 'ivy';
update xact.accounts set status = 'vip' where id = 'ivy' and status = 'open';
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" xact_accounts '{"id":{"S":"ivy"},"balance":{"N":"0"},"status":{"S":"closed"}}'
commit;
\echo :LAST_ERROR_SQLSTATE
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"ivy"}}'

-- Reads see the transaction's own writes, whatever the access path: GetItem, BatchGetItem,
-- Query, Scan, an index, count(*), a join, the read side of an UPDATE. Each query runs on the
-- foreign tables and on plain tables that hold the same items (copied from the AWS SDK's dump)
-- and get the same writes; xact.compare reports the rows only one of them returns.
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" xact_lines xact_tagged >/dev/null
create foreign table xact.tagged (id text collate "C", tag text collate "C", n int)
  server dynamodb_server options (table 'xact_tagged');
create temp table dumped (j jsonb);
\copy dumped from program 'node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines' csv quote e'\x01' delimiter e'\x02'
create table xact.lines_plain as
  select j->'doc'->>'S' collate "C" as doc, (j->'line'->>'N')::int as line,
         j->'text'->>'S' as text from dumped;
truncate dumped;
\copy dumped from program 'node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_tagged' csv quote e'\x01' delimiter e'\x02'
create table xact.tagged_plain as
  select j->'id'->>'S' collate "C" as id, j->'tag'->>'S' collate "C" as tag,
         (j->'n'->>'N')::int as n from dumped;
-- q names the tables as %1$s (lines) and %2$s (tagged)
create function xact.compare(q text) returns text language plpgsql as $$
declare
  foreign_q text := format(q, 'xact.lines', 'xact.tagged');
  plain_q text := format(q, 'xact.lines_plain', 'xact.tagged_plain');
  only_foreign bigint;
  only_plain bigint;
  total bigint;
begin
  execute format('select count(*) from ((%s) except all (%s)) d', foreign_q, plain_q)
    into only_foreign;
  execute format('select count(*) from ((%s) except all (%s)) d', plain_q, foreign_q)
    into only_plain;
  execute format('select count(*) from (%s) d', plain_q) into total;
  if only_foreign = 0 and only_plain = 0 then
    return format('same %s rows', total);
  end if;
  return format('DIFFERENT: %s rows only on DynamoDB, %s only in the plain table',
                only_foreign, only_plain);
end $$;
create function xact.explain_analyze(query text) returns setof text language plpgsql as $$
begin
  return query execute 'explain (analyze, costs off, timing off, summary off) ' || query;
end $$;
create function xact.both(stmt text) returns void language plpgsql as $$
begin
  execute format(stmt, 'xact.lines', 'xact.tagged');
  execute format(stmt, 'xact.lines_plain', 'xact.tagged_plain');
end $$;
begin;
select xact.both($$insert into %1$s values ('d1', 3, 'third'), ('d1', 0, 'zero'), ('d4', 1, 'new')$$);
select xact.both($$update %1$s set text = 'SECOND' where doc = 'd1' and line = 2$$);
select xact.both($$delete from %1$s where doc = 'd2' and line = 1$$);
select xact.both($$update %2$s set tag = 'red' where id = 'd'$$);
select xact.both($$update %2$s set n = 9 where id = 'a'$$);
select xact.both($$delete from %2$s where id = 'b'$$);
select xact.both($$insert into %2$s values ('f', 'red', 4), ('g', 'red', null)$$);
select xact.both($$update %2$s set tag = null where id = 'c'$$);
-- (DynamoDB holds none of it yet)
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines
select q, xact.compare(q) from (values
  ($$select * from %1$s$$),
  ($$select * from %1$s where doc = 'd1'$$),
  ($$select * from %1$s where doc = 'd1' and line >= 2$$),
  ($$select * from %1$s where doc = 'd2'$$),
  ($$select * from %1$s where text = 'second'$$),
  ($$select * from %1$s where text like 'th%%' or text = 'SECOND'$$),
  ($$select * from %1$s where doc = 'd1' and line = 3$$),
  ($$select * from %1$s where doc = 'd1' and line in (0, 1, 2, 7)$$),
  ($$select count(*) from %1$s$$),
  ($$select count(*) from %1$s where doc = 'd1'$$),
  ($$select v.d, l.line, l.text from (values ('d1'), ('d2'), ('d4')) v(d) join %1$s l on l.doc = v.d$$),
  ($$select * from %2$s$$),
  ($$select * from %2$s where tag = 'red'$$),
  ($$select * from %2$s where tag = 'red' and n > 2$$),
  ($$select * from %2$s where tag = 'red' and n between 0 and 4$$),
  ($$select * from %2$s where tag is null$$)) t(q);
-- the order of a Query (and of an index Query) holds the items the transaction wrote in place
explain (costs off) select line, text from xact.lines where doc = 'd1' order by line desc;
select line, text from xact.lines where doc = 'd1' order by line desc;
select line, text from xact.lines where doc = 'd1' order by line limit 2;
explain (costs off) select id, n from xact.tagged where tag = 'red' and n >= 0 order by n;
select id, n from xact.tagged where tag = 'red' and n >= 0 order by n;
select id, n from xact.tagged where tag = 'red' and n >= 0 order by n desc;
-- a statement does not see its own writes: each line is copied once
select xact.both($$insert into %1$s select doc, line + 100, text from %1$s where doc = 'd1'$$);
-- the read side of UPDATE and DELETE: what they read includes the kept writes
select xact.both($$update %1$s set text = text || '!' where text like '%%e%%'$$);
select xact.both($$delete from %2$s where n > 3$$);
select q, xact.compare(q) from (values
  ($$select * from %1$s$$),
  ($$select * from %1$s where doc = 'd1' and line > 100$$),
  ($$select * from %2$s$$),
  ($$select * from %2$s where tag = 'red'$$)) t(q);
-- EXPLAIN ANALYZE counts the items the kept writes gave (the capacity figure depends on the
-- backend)
select regexp_replace(line, '(Capacity: )[0-9.]+', '\1N')
  from xact.explain_analyze($$select * from xact.lines where doc = 'd1'$$) line;
rollback;
-- a count(*) planned before the transaction wrote cannot use DynamoDB's count
set plan_cache_mode = force_generic_plan;
prepare count_lines as select count(*) from xact.lines;
explain (costs off) execute count_lines;
execute count_lines;
begin;
insert into xact.lines values ('d3', 1, 'new');
execute count_lines;
rollback;
reset plan_cache_mode;
deallocate count_lines;
-- several statements sent as one query string are one transaction
insert into xact.lines values ('m', 1, 'x') \; insert into xact.lines values ('m', 2, 'y') \; select 1 / 0;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines '{"doc":{"S":"m"},"line":{"N":"1"}}'

-- INSERT ... ON CONFLICT DO NOTHING: whether the item exists is decided when it runs
begin;
insert into xact.accounts values ('alice', 1, 'dup') on conflict do nothing;
insert into xact.accounts values ('kim', 1, 'new') on conflict do nothing;
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts

-- RETURNING in a block: an UPDATE returns the item as the transaction's writes leave it, a
-- DELETE the item it deletes (read from DynamoDB, with the kept writes applied); nothing is
-- written until COMMIT
begin;
update xact.accounts set balance = balance + 1 where id = 'kim' returning *;
update xact.accounts set status = 'vip' where balance > 0 and id in ('kim', 'alice', 'carol')
  returning id, balance, status;
delete from xact.accounts where id = 'kim' returning *;
delete from xact.accounts where id in ('ivy', 'nobody') returning *;
insert into xact.accounts values ('zed', 1, 'new') returning *;
update xact.accounts set balance = 2 where id = 'zed' returning *;
select * from xact.writes_sent();
rollback;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"kim"}}'

-- A plan made outside a transaction block (a generic plan of a prepared statement) that runs
-- in one: the single-request UPDATE reads the item (as the transaction left it) and keeps a
-- write; with WHERE conditions besides the key it is refused
set plan_cache_mode = force_generic_plan;
prepare bump (bigint, text) as update xact.accounts set balance = balance + $1 where id = $2;
prepare close_empty (text) as
  update xact.accounts set status = 'closed' where id = $1 and balance = 0;
explain (costs off) execute bump(1, 'kim');
explain (costs off) execute close_empty('ivy');
begin;
explain (costs off) execute bump(1, 'kim');
execute bump(1, 'kim');
execute bump(2, 'kim');
execute bump(1, 'nobody');
select balance from xact.accounts where id = 'kim';
execute close_empty('ivy');
rollback;
begin;
execute bump(10, 'kim');
execute bump(10, 'kim');
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"kim"}}'
deallocate bump;
deallocate close_empty;
reset plan_cache_mode;

-- EXPLAIN of writes in a transaction block; EXPLAIN ANALYZE counts the kept writes
begin;
explain (costs off) insert into xact.accounts values ('lee', 1, 'open');
explain (costs off) update xact.accounts set balance = balance + 1 where id = 'alice';
explain (analyze, costs off, timing off, summary off)
  insert into xact.accounts values ('lee', 1, 'open'), ('max', 2, 'open');
explain (analyze, costs off, timing off, summary off)
  insert into xact.lines values ('e', 1, 'x');
rollback;
select * from xact.writes_sent();

-- dynamodb.atomic_commit = off: each statement writes as it runs (batched, not atomic), so
-- ROLLBACK does not undo it
set dynamodb.atomic_commit = off;
begin;
insert into xact.lines select 'off', g, 'x' from generate_series(1, 30) g;
rollback;
reset dynamodb.atomic_commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines | grep -c '"off"'
-- Outside a transaction block (autocommit) writes go as they run, too
insert into xact.lines values ('auto', 1, 'x'), ('auto', 2, 'y');
select * from xact.writes_sent();
