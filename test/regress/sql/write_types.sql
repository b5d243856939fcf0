-- Types on the way in (the inverse of the read mapping), sets as arrays both ways, native Map
-- and List from jsonb, the catch-all column, the checks made before anything is sent, and a
-- round trip of the type fixture. dump.mjs (the AWS SDK, not the wrapper) shows what DynamoDB
-- holds.
set search_path = public, extensions;
\! node test/fixtures/load.mjs write_s write_types > /dev/null
create schema wt;

-- Every column type --------------------------------------------------------------------------
create foreign table wt.t (
  id text, b boolean, s text, vc varchar(10), i16 smallint, i32 integer, i64 bigint,
  r real, dp double precision, num numeric, bin bytea, d date, ts timestamp, tstz timestamptz,
  u uuid, obj jsonb, arr jsonb, js json, ss text[], ns numeric[], ints integer[], bs bytea[]
) server dynamodb_server options (table 'write_types');
insert into wt.t values (
  'all', true, 'héllo "q"', 'vc', -32768, 2147483647, -9223372036854775808,
  0.1, 0.1, 12345678901234567890.123456789012345678, '\x00ff', '2024-02-29',
  '2024-02-29 13:45:30.123456', '2024-02-29 05:45:30.5-08', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"k": "v", "n": 1.5, "deep": {"l": [1, "two", null, true]}}', '[1, "a", {"b": false}]',
  '{"json": [1, 2]}', '{a,b}', '{-2,1.5,3e2}', '{1,2,3}', '{"\\x01","\\xff00"}');
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"all"}}'
-- they read back as they were written (arrays in the order sets are read in, so they were
-- written as sets: see write_arrays for the other arrays)
\x on
select * from wt.t where id = 'all';
\x off
-- floats keep the shortest form that reads back the same; numeric keeps every digit
insert into wt.t (id, r, dp, num)
  values ('nums', 3.14159, 0.1::float8 + 0.2::float8, -0.000000000000000000000000000000000000001);
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"nums"}}'
select r, dp, num from wt.t where id = 'nums';
-- jsonb scalars are scalars; a JSON null is the NULL type; SQL NULL leaves the attribute out
insert into wt.t (id, obj, arr, s) values ('scalars', '"text"', 'null', null);
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"scalars"}}'
-- UPDATE: SET for values, REMOVE for NULLs, arrays and jsonb as on INSERT
update wt.t set b = null, ss = '{z}', obj = '{"m": {}}', ints = null where id = 'all';
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"all"}}'

-- Arrays read sets, and lists of matching scalars -------------------------------------------
create foreign table wt.arrays (id text, ss text[], ns numeric[], ints integer[], bs bytea[], arr text[])
  server dynamodb_server options (table 'write_types');
select id, ss, (select array_agg(e order by e) from unnest(ns) e) as ns, ints,
       (select array_agg(e order by e) from unnest(bs) e) as bs, arr
  from wt.arrays where id = 'all';
create foreign table wt.as_ints (id text, arr integer[]) server dynamodb_server options (table 'write_types');
insert into wt.t (id, arr) values ('list', '[1, 2, null, 4]');
select * from wt.as_ints where id = 'list';
select * from wt.as_ints where id = 'all';

-- Values DynamoDB cannot store: an error naming the column, before anything is sent ----------
insert into wt.t (id, ints) values ('x', '{{1,2},{3,4}}');
insert into wt.t (id, num) values ('x', 'NaN');
insert into wt.t (id, num) values ('x', 1.5e126);
insert into wt.t (id, num) values ('x', 1.000000000000000000000000000000000000001);
insert into wt.t (id, dp) values ('x', 'infinity');
insert into wt.t (id, dp) values ('x', 5e-324);
insert into wt.t (id, d) values ('x', 'infinity');
insert into wt.t (id, obj) values ('x', '{"n": 1e200}');
-- an empty key, and an item over 400 KB
insert into wt.t (id) values ('');
create foreign table wt.bin_keys (k bytea, v text) server dynamodb_server options (table 'bin_keys');
insert into wt.bin_keys values ('', 'empty');
insert into wt.t (id, s) values ('big', repeat('x', 409600));
-- nothing of the above reached DynamoDB
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"x"}}'
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"big"}}'
\! node test/fixtures/dump.mjs bin_keys

-- The catch-all column: its members are the item's other attributes -------------------------
create foreign table wt.s_all (pk text, n numeric, _attrs jsonb)
  server dynamodb_server options (table 'write_s');
select * from wt.s_all order by pk;
insert into wt.s_all values ('m', 1, '{"x": "y", "nested": {"a": [1, "b", null]}, "flag": true}');
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"m"}}'
-- UPDATE sets the members that changed and removes the ones that are gone; the others (the
-- string set "tags" below) are not rewritten
update wt.s_all set _attrs = _attrs - 's' || '{"new": [1]}' where pk = 'b';
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"b"}}'
update wt.s_all set _attrs = null where pk = 'm';
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"m"}}'
-- a member that is also a column, and a catch-all that is not an object
insert into wt.s_all values ('q', 1, '{"n": 2}');
insert into wt.s_all values ('q', 1, '[1, 2]');
-- a jsonb column of another name writes the attribute of its name, unless it is declared the
-- catch-all with catch_all 'true'
create foreign table wt.s_meta (pk text, meta jsonb) server dynamodb_server options (table 'write_s');
insert into wt.s_meta values ('r', '{"k": 1}');
alter foreign table wt.s_meta alter column meta options (add catch_all 'true');
insert into wt.s_meta values ('t', '{"k": 1}');
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"r"}}'
\! node test/fixtures/dump.mjs write_s '{"pk":{"S":"t"}}'

-- Round trip: every item of the type fixture, read through the wrapper and written back -----
-- (sets as arrays, the NULL-typed attribute through the catch-all)
create foreign table wt.types_rt (
  id text, s text, n integer, n_neg integer, n_frac numeric, n_big numeric, n_small numeric,
  b bytea, t_bool boolean, f_bool boolean,
  l jsonb options (catch_all 'false'), m jsonb options (catch_all 'false'),
  ss text[], ns numeric[], bs bytea[], d date, ts timestamp, tstz timestamptz,
  i16 smallint, i32 integer, i64 bigint, r real, dp double precision, _attrs jsonb
) server dynamodb_server options (table 'types');
create foreign table wt.types_copy (
  id text, s text, n integer, n_neg integer, n_frac numeric, n_big numeric, n_small numeric,
  b bytea, t_bool boolean, f_bool boolean,
  l jsonb options (catch_all 'false'), m jsonb options (catch_all 'false'),
  ss text[], ns numeric[], bs bytea[], d date, ts timestamp, tstz timestamptz,
  i16 smallint, i32 integer, i64 bigint, r real, dp double precision, _attrs jsonb
) server dynamodb_server options (table 'write_types');
delete from wt.types_copy;
insert into wt.types_copy select * from wt.types_rt;
-- the two tables hold the same items, but for a set nested in a Map: jsonb has no sets, so
-- m.s (SS) comes back as a List
\! bash -c 'diff <(node test/fixtures/dump.mjs types) <(node test/fixtures/dump.mjs write_types) && echo identical'
-- and the copy reads back the same rows
select (select array_agg(t order by id) from wt.types_rt t)::text =
       (select array_agg(t order by id) from wt.types_copy t)::text as same_rows;
