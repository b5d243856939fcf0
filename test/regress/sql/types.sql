-- The read type mapping: every row of the documentation's type table, and values that do not fit.
set search_path = public, extensions;
create schema types_test;
create foreign table types_test.types (
  id text,
  s text,
  n integer,
  n_neg integer,
  n_frac numeric,
  n_big numeric,
  n_small numeric,
  b bytea,
  t_bool boolean,
  f_bool boolean,
  nul text,
  l jsonb,
  m jsonb,
  ss jsonb,
  ns jsonb,
  bs jsonb,
  d date,
  ts timestamp,
  tstz timestamptz,
  i16 smallint,
  i32 integer,
  i64 bigint,
  r real,
  dp double precision,
  not_there text
) server dynamodb_server options (table 'types');

\x on
select * from types_test.types where id = 'all';
\x off
-- a missing attribute reads as NULL; the NULL type reads as NULL
select id, s, n, nul is null as nul_is_null, not_there is null as missing_is_null
  from types_test.types where id in ('all', 'sparse') order by id;

-- text takes strings and numbers as they are, and anything else in its JSON form
create foreign table types_test.as_text (
  id text, s text, n text, n_big text, b text, t_bool text, nul text, l text, m text, ss text, ns text, bs text
) server dynamodb_server options (table 'types');
\x on
select * from types_test.as_text where id = 'all';
\x off

-- numbers keep every digit DynamoDB stores
select n_big, n_big::text = '12345678901234567890123456789012345678' as exact,
       n_small, n_small * 1e36 as scaled
  from types_test.types where id = 'all';

-- jsonb for sets and nested values
select l, m -> 'y' ->> 'z' as deep, ss, ns, bs from types_test.types where id = 'all';

-- values that do not fit their column: an error naming the table, column and item key
create foreign table types_test.bad_s (id text, s integer) server dynamodb_server options (table 'types');
select * from types_test.bad_s;
create foreign table types_test.bad_n (id text, n integer) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_n;
create foreign table types_test.bad_i16 (id text, i16 smallint) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_i16;
create foreign table types_test.bad_i32 (id text, i32 integer) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_i32;
create foreign table types_test.bad_i64 (id text, i64 bigint) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_i64;
create foreign table types_test.bad_frac (id text, n_frac integer) server dynamodb_server options (table 'types');
select * from types_test.bad_frac;
create foreign table types_test.big_real (id text, n_big real) server dynamodb_server options (table 'types');
select id, n_big from types_test.big_real where id = 'all';
create foreign table types_test.bad_real (id text, big_for_real real) server dynamodb_server options (table 'types_bad');
-- (terse: emulators spell the number differently in the detail)
\set VERBOSITY terse
select * from types_test.bad_real;
\set VERBOSITY default
create foreign table types_test.bad_d (id text, d date) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_d;
create foreign table types_test.bad_ts (id text, ts timestamp) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_ts;
create foreign table types_test.bad_b (id text, b bytea) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_b;
create foreign table types_test.bad_bool (id text, t_bool boolean) server dynamodb_server options (table 'types_bad');
select * from types_test.bad_bool;
create foreign table types_test.bad_numeric (id text, s numeric) server dynamodb_server options (table 'types');
select * from types_test.bad_numeric;
-- a type with no mapping for a Map value
create foreign table types_test.bad_uuid (id text, m uuid) server dynamodb_server options (table 'types');
select * from types_test.bad_uuid;
-- numeric with a typmod rounds as Postgres does
create foreign table types_test.numeric_typmod (id text, n_frac numeric(4,1)) server dynamodb_server options (table 'types');
select * from types_test.numeric_typmod where id = 'all';

-- jsonb columns and the catch-all are built from the attributes directly; they hold the same
-- value as the attribute's JSON text (what a json column shows) read into jsonb, for every
-- attribute of every type
create foreign table types_test.all_jsonb (id text, s jsonb, n jsonb, n_neg jsonb, n_frac jsonb,
  n_big jsonb, n_small jsonb, b jsonb, t_bool jsonb, nul jsonb, l jsonb, m jsonb, ss jsonb,
  ns jsonb, bs jsonb, d jsonb, ts jsonb) server dynamodb_server options (table 'types');
create foreign table types_test.all_json (id text, s json, n json, n_neg json, n_frac json,
  n_big json, n_small json, b json, t_bool json, nul json, l json, m json, ss json,
  ns json, bs json, d json, ts json) server dynamodb_server options (table 'types');
select count(*) as values_compared, count(*) filter (where x.jb is distinct from x.js::jsonb) as differ
  from types_test.all_jsonb a join types_test.all_json j using (id),
  lateral (values (a.s, j.s), (a.n, j.n), (a.n_neg, j.n_neg), (a.n_frac, j.n_frac),
                  (a.n_big, j.n_big), (a.n_small, j.n_small), (a.b, j.b), (a.t_bool, j.t_bool),
                  (a.nul, j.nul), (a.l, j.l), (a.m, j.m), (a.ss, j.ss), (a.ns, j.ns),
                  (a.bs, j.bs), (a.d, j.d), (a.ts, j.ts)) x(jb, js)
 where x.js is not null;
-- the catch-all of 2,000 generated items of mixed types against their attributes as json
create foreign table types_test.diff_rest (pk text, sk bigint, _attrs jsonb)
  server dynamodb_server options (table 'diff_items');
create foreign table types_test.diff_json (pk text, sk bigint, t json, n json, b json, bin json)
  server dynamodb_server options (table 'diff_items');
-- (a column reads DynamoDB's NULL as SQL NULL; the catch-all keeps it as JSON null)
select count(*) as items,
       count(*) filter (where exists (
         select from (values ('t', j.t), ('n', j.n), ('b', j.b), ('bin', j.bin)) x(k, v)
          where case when v is null then coalesce(r._attrs -> k, 'null') <> 'null'
                     else r._attrs -> k is distinct from v::jsonb end)
         or exists (select from jsonb_object_keys(r._attrs) k
                     where k not in ('t', 'n', 'b', 'bin'))) as differ,
       count(*) filter (where r._attrs ? 'bin') as with_binary,
       count(*) filter (where jsonb_typeof(r._attrs -> 'n') = 'number') as with_number
  from types_test.diff_rest r join types_test.diff_json j using (pk, sk);
-- numbers read as numeric (and as jsonb) equal their text read by numeric_in, display scale
-- included, for 2,000 generated integers and decimals
create foreign table types_test.diff_numeric (pk text, sk bigint, n numeric)
  server dynamodb_server options (table 'diff_items');
create foreign table types_test.diff_jsonb (pk text, sk bigint, n jsonb)
  server dynamodb_server options (table 'diff_items');
create foreign table types_test.diff_text (pk text, sk bigint, n text)
  server dynamodb_server options (table 'diff_items');
select count(n.n) as numbers,
       count(*) filter (where n.n::text is distinct from t.n::numeric::text) as differ,
       count(*) filter (where t.n is not null
                          and j.n::text is distinct from t.n::numeric::text) as jsonb_differ,
       count(*) filter (where n.n::text like '%.%') as decimals
  from types_test.diff_numeric n join types_test.diff_text t using (pk, sk)
  join types_test.diff_jsonb j using (pk, sk);
-- a string holding a NUL character cannot be read as text, or as a type read through text
-- (written by the AWS SDK: Postgres cannot spell it)
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" nul_strings
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" nul_strings '{"id":{"N":"1"},"s":{"S":"a\u0000b"},"ok":{"S":"fine"}}'
create foreign table types_test.nul_text (id bigint, s text) server dynamodb_server
  options (table 'nul_strings');
create foreign table types_test.nul_varchar (id bigint, s varchar(10)) server dynamodb_server
  options (table 'nul_strings');
create foreign table types_test.nul_jsonb (id bigint, s jsonb) server dynamodb_server
  options (table 'nul_strings');
create foreign table types_test.nul_other (id bigint, ok text) server dynamodb_server
  options (table 'nul_strings');
select * from types_test.nul_text;
select * from types_test.nul_varchar;
select * from types_test.nul_jsonb;
select * from types_test.nul_other;
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" --delete nul_strings
