-- INSERT, UPDATE and DELETE on every key shape: string, number and binary partition keys, with
-- and without a sort key. After each statement, dump.mjs (the AWS SDK, not the wrapper) prints
-- exactly what DynamoDB holds.
set search_path = public, extensions;
\! node test/fixtures/load.mjs write_s write_sn write_n write_b write_odd > /dev/null
create schema wk;
create foreign table wk.s (pk text, n numeric, s text, keep text, tags text[])
  server dynamodb_server options (table 'write_s', rowid_column 'pk');
create foreign table wk.sn (pk text, sk integer, v text, score integer)
  server dynamodb_server options (table 'write_sn', rowid_column 'pk');
create foreign table wk.n (id bigint, v text) server dynamodb_server options (table 'write_n');
create foreign table wk.b (bk bytea, name text, size integer)
  server dynamodb_server options (table 'write_b');

-- String partition key --------------------------------------------------------------------

-- INSERT of one row is a PutItem; NULL columns are left out of the item
insert into wk.s (pk, n, s, keep) values ('c', 3, 'three', null);
-- several rows go as one BatchWriteItem
explain (costs off) insert into wk.s values ('d', 4, 'four', null, null), ('e', 5, 'five', null, null);
insert into wk.s values ('d', 4, 'four', null, null), ('e', 5, 'five', null, '{p,q}');
-- the same key twice in one statement: the later row wins, as two PutItems would
insert into wk.s (pk, s) values ('f', 'first'), ('f', 'second');
\! node test/fixtures/dump.mjs write_s

-- RETURNING
insert into wk.s (pk, n) values ('g', 7) returning *;

-- ON CONFLICT DO NOTHING writes only keys that are new, and counts only those
explain (verbose, costs off) insert into wk.s (pk, s) values ('a', 'not written') on conflict do nothing;
insert into wk.s (pk, s) values ('a', 'not written'), ('h', 'written') on conflict do nothing;
\echo rows: :ROW_COUNT
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"a"}}'
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"h"}}'

-- UPDATE with the whole key fixed: one UpdateItem; other attributes are untouched
explain (verbose, costs off) update wk.s set n = 10, s = null where pk = 'a';
update wk.s set n = 10, s = null where pk = 'a';
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"a"}}'
-- UPDATE of a key that has no item changes nothing and creates nothing
update wk.s set n = 1 where pk = 'zz';
\echo rows: :ROW_COUNT
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"zz"}}'
-- UPDATE of rows found by a scan: one UpdateItem per row
explain (verbose, costs off) update wk.s set s = s || '!' where n >= 4;
update wk.s set s = s || '!' where n >= 4;
update wk.s set tags = '{r}', n = n + 1 where pk = 'e' returning pk, n, tags;
update wk.s set tags = null where pk = 'b' returning *;
\! node test/fixtures/dump.mjs write_s

-- DELETE with the whole key fixed: one DeleteItem
delete from wk.s where pk = 'zz';
\echo rows: :ROW_COUNT
delete from wk.s where pk = 'h' returning *;
-- DELETE of rows found by a scan
delete from wk.s where s like 'f%' returning pk, s;
-- a prepared statement with the key as a parameter is still one request
set plan_cache_mode = force_generic_plan;
prepare del(text) as delete from wk.s where pk = $1;
explain (costs off) execute del('c');
execute del('c');
\echo rows: :ROW_COUNT
execute del('c');
\echo rows: :ROW_COUNT
deallocate del;
reset plan_cache_mode;
\! node test/fixtures/dump.mjs write_s

-- String partition key, number sort key ---------------------------------------------------

-- rowid_column names the partition key; the row identity is the full key (pk, sk), so every
-- statement writes exactly one item
insert into wk.sn values ('a', 3, 'a3', null), ('c', 1, 'c1', 30);
update wk.sn set v = 'A2' where pk = 'a' and sk = 2;
update wk.sn set v = v || '+' where pk = 'a' and sk > 1;
explain (verbose, costs off) delete from wk.sn where pk = 'a' and sk = 1;
delete from wk.sn where pk = 'a' and sk = 1;
\! node test/fixtures/dump.mjs write_sn
-- score keys the global index score-index (a number): NULL removes it
update wk.sn set score = null where pk = 'a' and sk = 2;
\! node test/fixtures/dump.mjs write_sn '{"pk":{"S":"a"},"sk":{"N":"2"}}'
-- DELETE of a whole partition, 25 deletes a request
explain (verbose, costs off) delete from wk.sn where pk = 'a';
delete from wk.sn where pk = 'a';
\! node test/fixtures/dump.mjs write_sn

-- Number partition key -------------------------------------------------------------------

insert into wk.n values (3, 'three'), (-4.0, 'minus four');
update wk.n set v = 'ONE' where id = 1;
delete from wk.n where id = 2;
\! node test/fixtures/dump.mjs write_n
-- an imported table declares key columns as text; numbers still write as N
import foreign schema dynamodb limit to (write_n) from server dynamodb_server into wk;
\d wk.write_n
insert into wk.write_n (id, _attrs) values ('15', '{"v": "fifteen"}');
update wk.write_n set _attrs = '{"v": "THREE"}' where id = '3';
\! node test/fixtures/dump.mjs write_n
insert into wk.write_n (id) values ('twelve');

-- Binary partition key, string sort key ----------------------------------------------------

insert into wk.b values ('\x0102', 'q', 7);
explain (verbose, costs off) update wk.b set size = 99 where bk = '\x00' and name = 'b';
update wk.b set size = 99 where bk = '\x00' and name = 'b';
update wk.b set size = size + 1 where bk = '\xff01';
delete from wk.b where name = 'a' and bk = '\x00' returning *;
\! node test/fixtures/dump.mjs write_b
-- an imported table declares a binary key as bytea
import foreign schema dynamodb limit to (write_b) from server dynamodb_server into wk;
update wk.write_b set _attrs = '{"size": 100}' where bk = '\x0102' and name = 'q';
\! node test/fixtures/dump.mjs write_b '{"bk":{"B":"AQI="},"name":{"S":"q"}}'
-- a text column holds a binary key as base64
create foreign table wk.b_text (bk text, name text, size integer)
  server dynamodb_server options (table 'write_b');
select * from wk.b_text order by bk, name;
insert into wk.b_text values ('q80=', 'x', 1);
delete from wk.b_text where bk = '/wE=';
\! node test/fixtures/dump.mjs write_b
insert into wk.b_text values ('not base64!', 'x', 1);

-- Names that need #placeholders: spaces, dots, quotes, reserved words ---------------------

create foreign table wk.odd ("Part Key" text, "sort.key" integer, "First Name" text,
  status text, "with""quote" text) server dynamodb_server options (table 'write_odd');
insert into wk.odd values ('B-2', 2, 'Ann', 'new', 'q');
explain (verbose, costs off) update wk.odd set status = 'done', "with""quote" = 'Q' where "Part Key" = 'A-1' and "sort.key" = 1;
update wk.odd set status = 'done', "with""quote" = 'Q' where "Part Key" = 'A-1' and "sort.key" = 1;
update wk.odd set "First Name" = null where "sort.key" = 2;
\! node test/fixtures/dump.mjs write_odd
delete from wk.odd;
\! node test/fixtures/dump.mjs write_odd

-- DELETE without WHERE removes every item, 25 deletes a request ----------------------------
explain (verbose, costs off) delete from wk.s;
delete from wk.s;
\echo rows: :ROW_COUNT
\! node test/fixtures/dump.mjs write_s

-- What is refused -----------------------------------------------------------------------------

-- changing a key column
update wk.s set pk = 'new' where pk = 'a';
update wk.sn set sk = sk + 1 where pk = 'b';
-- ... but assigning a key column itself is no change
update wk.sn set sk = sk, v = 'b1!' where pk = 'b' and sk = 1;
\! node test/fixtures/dump.mjs write_sn '{"pk":{"S":"b"},"sk":{"N":"1"}}'
-- a table without a column for the sort key cannot find single items
create foreign table wk.sn_no_sk (pk text, v text) server dynamodb_server options (table 'write_sn');
update wk.sn_no_sk set v = 'x' where pk = 'b';
delete from wk.sn_no_sk;
insert into wk.sn_no_sk values ('z', 'z');
-- rowid_column must name the partition key
create foreign table wk.sn_bad_rowid (pk text, sk integer, v text)
  server dynamodb_server options (table 'write_sn', rowid_column 'sk');
delete from wk.sn_bad_rowid where pk = 'b';
-- a foreign table over an index is read-only
create foreign table wk.by_score (pk text, sk integer, score integer)
  server dynamodb_server options (table 'write_sn', index 'score-index');
insert into wk.by_score values ('x', 1, 1);
delete from wk.by_score;
-- TRUNCATE
truncate wk.s;
-- ON CONFLICT DO UPDATE (there is no unique index to name)
insert into wk.s (pk) values ('a') on conflict (pk) do update set n = 1;
-- batch_size: 1 to 25, on the server or the table
alter foreign table wk.s options (add batch_size '26');
alter foreign table wk.s options (add batch_size '0');
create server bad_batch foreign data wrapper dynamodb_wrapper
  options (region 'us-east-1', batch_size 'many');
alter foreign table wk.s options (add batch_size '10');
explain (costs off) insert into wk.s (pk) select 'k' || g from generate_series(1, 3) g;
