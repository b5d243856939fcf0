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

-- Reads: key lookups see the transaction's writes, and Queries of partitions it did not write
-- read DynamoDB; other reads of a table with kept writes are refused (they could miss the
-- transaction's own writes)
begin;
insert into xact.lines values ('d3', 1, 'new');
select * from xact.lines where doc = 'd1' order by line;
select * from xact.lines where doc = 'd1' and line = 2;
select * from xact.accounts where id = 'alice';
select * from xact.lines where doc = 'd3';
rollback;
begin;
insert into xact.lines values ('d3', 1, 'new');
select count(*) from xact.lines;
rollback;
begin;
update xact.accounts set status = 'frozen' where id = 'alice';
select * from xact.accounts where status = 'frozen';
rollback;
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

-- RETURNING of an UPDATE or DELETE needs DynamoDB's answer: refused in a block
begin;
update xact.accounts set balance = 1 where id = 'kim' returning *;
rollback;

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
