-- Array columns round-trip exactly. The column option array_type says what an array is written
-- as: 'set' a DynamoDB set (SS, NS, BS), 'list' a List (L), 'auto' (the default) a set when the
-- array is exactly what a read of that set gives back (non-empty, no NULL, no member twice, in
-- the order sets are read: numbers by value, strings and binaries by bytes), else a List. Reads
-- take both. dump.mjs (the AWS SDK, not the wrapper) shows what DynamoDB holds; it prints set
-- members sorted, List elements in their order.
set search_path = public, extensions;
\! node test/fixtures/load.mjs write_types > /dev/null
create schema wa;

-- auto (the default) --------------------------------------------------------------------------
create foreign table wa.auto (
  id text, t text[], i integer[], n numeric[], r real[], b bytea[], c char(2)[],
  d date[], bo boolean[], u uuid[]
) server dynamodb_server options (table 'write_types');
insert into wa.auto (id, t) values ('a-empty', '{}');
insert into wa.auto (id, t) values ('a-null', '{NULL,a}');
insert into wa.auto (id, i) values ('a-order', '{3,1,2}');
insert into wa.auto (id, i) values ('a-repeat', '{1,1}');
-- already in the order a set is read in: a set
insert into wa.auto (id, t, i, n, r, b) values
  ('a-sorted', '{B,a,b,é}', '{-5,9,10}', '{-2,1.5,300}', '{0.25,0.5}', '{"\\x01","\\xff00"}');
-- strings by bytes, numbers by value: '{10,9}' is in set order as text ('1' before '9'), not
-- as integers
insert into wa.auto (id, t, i) values ('a-text-order', '{10,9}', '{10,9}');
insert into wa.auto (id, t, b) values ('a-bytes', '{é,z}', '{"\\xff","\\x01"}');
-- 1.0 and 1 are one number to DynamoDB: a set cannot hold both, a List keeps both
insert into wa.auto (id, n) values ('a-num-repeat', '{1.0,1}');
-- (DynamoDB keeps a number's value, not its spelling: dynalite trims 1.0 to 1 as DynamoDB does,
-- moto keeps 1.0; the outputs below show the value)
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"a-num-repeat"}}' | sed 's/"1\.0"/"1"/g'
select id, n = '{1,1}' as same_values, array_length(n, 1) as elements
  from wa.auto where id = 'a-num-repeat';
-- char(2) drops trailing spaces on the way in, as for a char(2) column: 'a' and 'a ' are one
insert into wa.auto (id, c) values ('a-char', '{a,"a "}');
-- element types without a set type are always a List
insert into wa.auto (id, d, bo, u) values
  ('a-other', '{2024-02-29,NULL,2024-01-01}', '{true,false,true}',
   '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}');
\! node test/fixtures/dump.mjs write_types | grep -v a-num-repeat
-- each array reads back as it was written
select * from wa.auto where id <> 'a-num-repeat' order by id;
-- and is the same value, element for element
select id, t = '{}' as t_empty from wa.auto where id = 'a-empty';
select id, array_length(t, 1), t[1] is null as first_null, t[2] from wa.auto where id = 'a-null';

-- A set written by another client reads in the set order, and written back stays a set -------
-- (put_item.mjs writes a binary given as a JSON string as that string's bytes)
\! node test/fixtures/put_item.mjs write_types '{"id":{"S":"s-foreign"},"t":{"SS":["é","b","B","a"]},"i":{"NS":["10","-5","9"]},"b":{"BS":["zz","a","A"]}}'
select id, t, i, b from wa.auto where id = 's-foreign';
update wa.auto set t = t, i = i, b = b where id = 's-foreign';
insert into wa.auto (id, t, i, b) select 's-copy', t, i, b from wa.auto where id = 's-foreign';
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"s-foreign"}}'
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"s-copy"}}'
-- a List reads as an array too, NULL elements and repeats included
\! node test/fixtures/put_item.mjs write_types '{"id":{"S":"l-foreign"},"i":{"L":[{"N":"2"},{"NULL":true},{"N":"2"}]}}'
select id, i from wa.auto where id = 'l-foreign';

-- list -----------------------------------------------------------------------------------------
\! node test/fixtures/load.mjs write_types > /dev/null
create foreign table wa.list (
  id text, t text[] options (array_type 'list'), i integer[] options (array_type 'list'),
  n numeric[] options (array_type 'list'), b bytea[] options (array_type 'list')
) server dynamodb_server options (table 'write_types');
insert into wa.list values
  ('l-sorted', '{a,b}', '{1,2,3}', '{-2,1.5}', '{"\\x01","\\xff"}'),
  ('l-mixed', '{NULL,b,a,b}', '{3,1,2,1}', '{1.5,-1,1.5,NULL}', '{"\\xff",NULL,"\\xff"}'),
  ('l-empty', '{}', '{}', '{}', '{}'),
  ('l-num', null, null, '{1.0,1}', null);
\! node test/fixtures/dump.mjs write_types | sed 's/"1\.0"/"1"/g'
select * from wa.list where id <> 'l-num' order by id;
select id, n = '{1,1}' as same_values, array_length(n, 1) as elements
  from wa.list where id = 'l-num';
-- UPDATE writes the same: of rows it reads first, and alone with the key fixed
update wa.list set i = '{5,4}' where t = '{a,b}';
explain (verbose, costs off) update wa.list set t = '{x,y}', i = '{9,8}' where id = 'l-empty';
update wa.list set t = '{x,y}', i = '{9,8}' where id = 'l-empty';
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"l-sorted"}}'
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"l-empty"}}'
-- reads still take sets
\! node test/fixtures/put_item.mjs write_types '{"id":{"S":"s-foreign"},"t":{"SS":["b","a"]},"i":{"NS":["2","1"]}}'
select id, t, i from wa.list where id = 's-foreign';

-- set ------------------------------------------------------------------------------------------
\! node test/fixtures/load.mjs write_types > /dev/null
create foreign table wa.set (
  id text, t text[] options (array_type 'set'), i integer[] options (array_type 'set'),
  n numeric[] options (array_type 'set'), b bytea[] options (array_type 'set')
) server dynamodb_server options (table 'write_types');
-- any order: a set has none, and it reads back sorted (numbers by value, the rest by bytes)
insert into wa.set values ('s-any', '{b,é,a,B}', '{3,1,2,10}', '{300,-2,1.5}', '{"\\xff00","\\x01"}');
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"s-any"}}'
select * from wa.set;
explain (verbose, costs off) update wa.set set t = '{y,x}' where id = 's-any';
update wa.set set t = '{y,x}' where id = 's-any';
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"s-any"}}'
-- what a set cannot hold is an error naming the column and table, and nothing is sent
insert into wa.set (id, t) values ('x', '{}');
insert into wa.set (id, t) values ('x', '{a,NULL}');
insert into wa.set (id, t) values ('x', '{a,b,a}');
insert into wa.set (id, n) values ('x', '{1,1.0}');
insert into wa.set (id, b) values ('x', '{"\\x01","\\x01"}');
update wa.set set i = '{}' where id = 's-any';
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"x"}}'
-- reads still take Lists
\! node test/fixtures/put_item.mjs write_types '{"id":{"S":"l-foreign"},"t":{"L":[{"S":"b"},{"NULL":true},{"S":"b"}]}}'
select id, t from wa.set where id = 'l-foreign';

-- jsonb[] is a List of the elements' DynamoDB values; a JSON null element would read back as a
-- NULL element, so it is refused
create foreign table wa.js (id text, j jsonb[]) server dynamodb_server options (table 'write_types');
insert into wa.js values ('j', array['{"a": [1, null]}', '"s"', null, '2']::jsonb[]);
\! node test/fixtures/dump.mjs write_types '{"id":{"S":"j"}}'
select * from wa.js where id = 'j';
insert into wa.js values ('x', array['1', 'null']::jsonb[]);

-- Every setting: one dimension only ---------------------------------------------------------
insert into wa.auto (id, i) values ('x', '{{1,2},{3,4}}');
insert into wa.list (id, t) values ('x', '{{a},{b}}');
insert into wa.set (id, n) values ('x', '{{1},{2}}');

-- The option: auto, list or set, on arrays of types a set can hold --------------------------
create foreign table wa.bad (id text, t text[] options (array_type 'bag'))
  server dynamodb_server options (table 'write_types');
create foreign table wa.bad (id text, d date[] options (array_type 'list'))
  server dynamodb_server options (table 'write_types');
create foreign table wa.bad (id text, t text options (array_type 'set'))
  server dynamodb_server options (table 'write_types');
alter foreign table wa.auto alter column bo options (add array_type 'auto');
-- a column whose type changes to one the option does not fit
alter foreign table wa.list alter column t type date[];
alter foreign table wa.list alter column t type varchar(5)[];
-- accepted on every type a set can hold
create foreign table wa.good (
  id text, a text[] options (array_type 'set'), b varchar[] options (array_type 'list'),
  c char(1)[] options (array_type 'auto'), d smallint[] options (array_type 'set'),
  e bigint[] options (array_type 'set'), f double precision[] options (array_type 'set'),
  g real[] options (array_type 'list'), h numeric(5,2)[] options (array_type 'set'),
  k bytea[] options (array_type 'set')
) server dynamodb_server options (table 'write_types');
alter foreign table wa.good alter column a options (set array_type 'list');
select attname, attfdwoptions from pg_attribute
 where attrelid = 'wa.good'::regclass and attnum > 1 order by attnum;
-- a session that has not loaded the wrapper cannot check a type change at once: the column is
-- refused when it is written
\c
alter foreign table wa.list alter column t type date[];
insert into wa.list (id, t) values ('x', '{2024-01-01}');
