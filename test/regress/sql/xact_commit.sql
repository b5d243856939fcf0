-- COMMIT of a transaction that wrote several items: one TransactWriteItems, all or nothing; a
-- concurrent change to an item the transaction read cancels it (SQLSTATE 40001), and a
-- retried request (5xx, dropped connections) is applied once. On an endpoint without
-- TransactWriteItems (dynalite) such a COMMIT fails with an error that names the operation and
-- dynamodb.atomic_commit, and writes nothing. Each backend runs its part (expected output:
-- xact_commit.out on moto, xact_commit_1.out on dynalite). Runs after xact, whose tables and
-- functions it uses.
\! node "$HARNESS_ROOT/test/fixtures/load.mjs" xact_accounts xact_lines >/dev/null
set search_path = public, extensions;
select * from xact.writes_sent() where false;
\getenv backend DYNAMODB_BACKEND
select :'backend' as backend, :'backend' = 'dynalite' as without_transact_write_items \gset
\echo backend: :backend
\if :without_transact_write_items
begin;
insert into xact.accounts values ('dave', 25, 'open');
update xact.accounts set balance = balance - 25 where id = 'alice';
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
-- one item commits with the plain request
begin;
insert into xact.accounts values ('dave', 25, 'open');
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"dave"}}'
\else
-- INSERT, UPDATE and DELETE on two tables: one TransactWriteItems, no other write request;
-- until COMMIT, DynamoDB (read by the AWS SDK) has none of them
begin;
insert into xact.accounts values ('dave', 25, 'open');
update xact.accounts set balance = balance - 25 where id = 'alice';
delete from xact.lines where doc = 'd2' and line = 1;
insert into xact.lines values ('d3', 1, 'new'), ('d3', 2, 'newer');
update xact.lines set text = 'changed' where doc = 'd1' and line = 1;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_lines

-- Several writes of one item are one action; key lookups see them
begin;
insert into xact.accounts values ('gus', 1, 'open');
update xact.accounts set balance = balance + 1 where id = 'gus';
update xact.accounts set balance = balance + 1 where id = 'carol';
update xact.accounts set status = 'open' where id = 'carol';
select * from xact.accounts where id in ('gus', 'carol') order by id;
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts

-- A concurrent change to an item the transaction read and wrote: COMMIT fails with 40001, names
-- the table, the key and DynamoDB's reason, and writes nothing
begin;
update xact.accounts set balance = balance + 5 where id = 'bob';
insert into xact.accounts values ('erin', 5, 'open');
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" xact_accounts '{"id":{"S":"bob"},"balance":{"N":"999"},"status":{"S":"open"}}'
commit;
\echo :LAST_ERROR_SQLSTATE
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
-- the same for a conditional write that DynamoDB would compute alone outside a block: the
-- item is read, and the write expects what was read
begin;
update xact.accounts set balance = balance + 1 where id = 'alice' and status = 'open';
update xact.accounts set balance = balance + 1 where id = 'carol' and status = 'open';
delete from xact.accounts where id = 'dave' and balance > 1000;
insert into xact.accounts values ('erin', 5, 'open');
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" xact_accounts '{"id":{"S":"alice"},"balance":{"N":"75"},"status":{"S":"closed"}}'
commit;
\echo :LAST_ERROR_SQLSTATE
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
-- run again, it commits
begin;
update xact.accounts set balance = balance + 1 where id = 'alice' and status = 'open';
update xact.accounts set balance = balance + 1 where id = 'bob' and status = 'open';
insert into xact.accounts values ('erin', 5, 'open');
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts

-- REPEATABLE READ and SERIALIZABLE: what the transaction only read is checked at COMMIT too (a
-- ConditionCheck for each item read and not written); another client's change to such an item
-- makes COMMIT fail with 40001, and nothing is written
begin isolation level repeatable read;
select id, balance from xact.accounts where id in ('alice', 'carol') order by id;
update xact.accounts set balance = balance + 1 where id = 'bob';
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" xact_accounts '{"id":{"S":"carol"},"balance":{"N":"500"},"status":{"S":"open"}}'
commit;
\echo :LAST_ERROR_SQLSTATE
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"bob"}}'
-- unchanged, it commits: one TransactWriteItems with the Update and the checks
begin isolation level serializable;
select id, balance from xact.accounts where id in ('alice', 'carol') order by id;
select count(*) from xact.lines where doc = 'd1';
update xact.accounts set balance = balance + 1 where id = 'bob';
commit;
select * from xact.writes_sent();
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts '{"id":{"S":"bob"}}'
-- at READ COMMITTED, items only read are not checked (as Postgres does not check them either)
begin;
select balance from xact.accounts where id = 'carol';
update xact.accounts set balance = balance + 1 where id = 'bob';
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" xact_accounts '{"id":{"S":"carol"},"balance":{"N":"0"},"status":{"S":"open"}}'
commit;
select * from xact.writes_sent();
-- a transaction that read more items than it can check, then writes: refused at the write
begin isolation level repeatable read;
select count(*) from xact.lines;
select count(*) from xact.accounts;
insert into xact.lines select 'many', g, 'x' from generate_series(1, 99) g;
rollback;

-- Under the fault proxy: 5xx answers and dropped connections on TransactWriteItems are retried
-- with the same ClientRequestToken, and the transaction is applied once
\getenv proxy FAULT_PROXY_ENDPOINT
create server xact_faulty foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'test',
  aws_secret_access_key 'test');
create foreign table xact.faulty_accounts (id text collate "C", balance bigint, status text)
  server xact_faulty options (table 'xact_accounts');
begin;
update xact.faulty_accounts set balance = balance + 100 where id = 'bob';
insert into xact.faulty_accounts values ('fay', 1, 'open');
-- (from here on the proxy counts only the COMMIT's requests)
\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '[{"operation":"TransactWriteItems","fault":"500","count":1},{"operation":"TransactWriteItems","fault":"503","count":1},{"operation":"TransactWriteItems","fault":"drop","count":1}]' || echo "fault proxy unreachable"
commit;
-- four requests reached the proxy; three got a fault, one went on to the endpoint
\! curl -sf "$FAULT_PROXY_CONTROL/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log("requests:",j.requests,"forwarded:",j.forwarded,"faults:",["500","503","drop"].map(k=>k+" "+(j.faults[k]||0)).join(", "))})'
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts
-- A lost answer: the request reaches the endpoint and is applied, but the answer is cut off.
-- The retry carries the same ClientRequestToken, which DynamoDB answers without applying the
-- transaction again (moto ignores the token, so these writes are ones that may be applied
-- twice: two new items put whole)
begin;
insert into xact.faulty_accounts values ('lost1', 1, 'open'), ('lost2', 2, 'open');
\! curl -sf -X POST "$FAULT_PROXY_CONTROL/reset" || echo "fault proxy unreachable"
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '[{"operation":"TransactWriteItems","fault":"cut","count":1}]' || echo "fault proxy unreachable"
commit;
\! curl -sf "$FAULT_PROXY_CONTROL/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const t=j.tokens;console.log("TransactWriteItems requests:",t.length,"forwarded:",j.forwarded,"cut:",j.faults.cut||0,"one token:",t.length>1&&t.every(x=>typeof x==="string"&&x.length>0&&x===t[0]))})'
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules" || echo "fault proxy unreachable"
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" xact_accounts | grep lost
\endif
