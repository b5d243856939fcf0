-- Pushdown through the catch-all and jsonb paths, on an imported table: what DynamoDB
-- evaluates (EXPLAIN's DynamoDB Filter), what Postgres checks again (Filter:), and the rows.
\! node test/fixtures/load.mjs attrs > /dev/null
set search_path = public, extensions;
create schema attrs;
import foreign schema dynamodb limit to (attrs) from server dynamodb_server into attrs;
\d attrs.attrs
-- A plain table with the same items (as the catch-all shows them, read without pushdown: the
-- read mapping is checked in types.sql and catchall.sql, and the differential test compares
-- with tables its own client fills), to compare with.
set dynamodb.pushdown = off;
create table attrs.local as select id, _attrs from attrs.attrs;
reset dynamodb.pushdown;
create function attrs.same(q text) returns text language plpgsql as $f$
declare w text; l text;
begin
  execute format('select string_agg(id, '','' order by id) from attrs.attrs where %s', q) into w;
  execute format('select string_agg(id, '','' order by id) from attrs.local where %s', q) into l;
  if w is distinct from l then return format('DIFFERENT: %s / %s', w, l); end if;
  return coalesce(w, '(none)');
end $f$;

-- text of an attribute: S as itself, N as its digits, BOOL as true/false, B as base64
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'name' = 'Alice';
select attrs.same($$_attrs->>'name' = 'Alice'$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'code' = '5';
select attrs.same($$_attrs->>'code' = '5'$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'code' = 'true';
select attrs.same($$_attrs->>'code' = 'true'$$);
select attrs.same($$_attrs->>'code' <> 'true'$$);
select attrs.same($$_attrs->>'code' = 'AQI='$$);
select attrs.same($$_attrs->>'bin' = 'AQI='$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'name' <> 'Alice';
select attrs.same($$_attrs->>'name' <> 'Alice'$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'city' in ('Paris', 'Lyon');
select attrs.same($$_attrs->>'city' in ('Paris', 'Lyon')$$);
select attrs.same($$_attrs->>'city' not in ('Paris', 'Lyon')$$);
-- a number not written as DynamoDB writes numbers, JSON text: kept for Postgres to decide
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'code' = '5.0';
select attrs.same($$_attrs->>'code' = '5.0'$$);
select attrs.same($$_attrs->>'m' = '{"x": "one"}'$$);
-- LIKE and ordering: strings in DynamoDB, other types checked again
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'city' like 'Pa%';
select attrs.same($$_attrs->>'city' like 'Pa%'$$);
select attrs.same($$_attrs->>'city' like '%a%'$$);
select attrs.same($$_attrs->>'city' not like 'Pa%'$$);

-- casts: numbers compared as numbers
explain (verbose, costs off) select id from attrs.attrs where (_attrs->>'age')::numeric > 30;
select attrs.same($$(_attrs->>'age')::numeric > 30$$);
explain (verbose, costs off) select id from attrs.attrs where (_attrs->'age')::numeric >= 30;
explain (verbose, costs off) select id from attrs.attrs where (_attrs->>'score')::numeric = 2.5;
select attrs.same($$(_attrs->>'score')::numeric = 2.5$$);
explain (verbose, costs off) select id from attrs.attrs where (_attrs->'active')::boolean;
select id from attrs.attrs where (_attrs->'active')::boolean order by 1;
select id from attrs.attrs where not (_attrs->'active')::boolean order by 1;
select attrs.same($$(_attrs->>'active')::boolean$$);

-- existence
explain (verbose, costs off) select id from attrs.attrs where _attrs ? 'city';
select attrs.same($$_attrs ? 'city'$$);
select attrs.same($$not (_attrs ? 'city')$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs ?| array['ss', 'bin'];
select attrs.same($$_attrs ?| array['ss', 'bin']$$);
select attrs.same($$_attrs ?& array['ss', 'score']$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->'nul' is null;
select attrs.same($$_attrs->'nul' is null$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'nul' is null;
select attrs.same($$_attrs->>'nul' is null$$);
select attrs.same($$_attrs->>'nul' is not null$$);
-- a declared column is never in the catch-all: nothing to send
explain (verbose, costs off) select id from attrs.attrs where _attrs ? 'id';
select attrs.same($$_attrs ? 'id'$$);

-- containment: each member equal
explain (verbose, costs off) select id from attrs.attrs where _attrs @> '{"city": "Paris", "age": 30}';
select attrs.same($$_attrs @> '{"city": "Paris", "age": 30}'$$);
select attrs.same($$_attrs @> '{"active": false}'$$);
select attrs.same($$_attrs @> '{"nul": null}'$$);

-- document paths
explain (verbose, costs off) select id from attrs.attrs where _attrs->'m'->>'x' = 'one';
select attrs.same($$_attrs->'m'->>'x' = 'one'$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs #>> '{m,y.z}' = 'deep';
select attrs.same($$_attrs #>> '{m,y.z}' = 'deep'$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->'l'->>0 = 'p';
select attrs.same($$_attrs->'l'->>0 = 'p'$$);
select attrs.same($$_attrs->'l'->>0 is null$$);
explain (verbose, costs off) select id from attrs.attrs where _attrs->>'a b' = 'spaced' or _attrs->>'a.b' = 'dotted';
select attrs.same($$_attrs->>'a b' = 'spaced' or _attrs->>'a.b' = 'dotted'$$);
select attrs.same($$_attrs->'m'->>'x' = '3'$$);
select attrs.same($$_attrs->'m'->'x' is not null$$);
-- a #> element that is a number may be a list position or a member name: kept local
explain (verbose, costs off) select id from attrs.attrs where _attrs #>> '{l,0}' = 'p';
select attrs.same($$_attrs #>> '{l,0}' = 'p'$$);

-- three-valued logic through paths
select attrs.same($$not (_attrs->>'name' = 'Alice')$$);
select attrs.same($$(_attrs->>'name' = 'Alice') is not true$$);
select attrs.same($$not ((_attrs->>'age')::numeric > 30 or _attrs->>'city' = 'Pau')$$);

-- the issue's query
explain (verbose, costs off)
select id, _attrs->>'name' as name, (_attrs->>'age')::integer as age from attrs.attrs
 where (_attrs->>'age')::numeric = 42;
select id, _attrs->>'name' as name from attrs.attrs where (_attrs->>'age')::numeric = 42 order by 1;

-- typed import by sampling: a column for each attribute of one type in the sample
create schema attrs_typed;
import foreign schema dynamodb limit to (attrs, users) from server dynamodb_server into attrs_typed
  options (sample_size '1000');
\d attrs_typed.attrs
\d attrs_typed.users
select id, name, age, active, tags, _attrs from attrs_typed.users order by id;
select id, city, score, active, bin, "a b", nul, _attrs from attrs_typed.attrs order by id;
explain (costs off) select id from attrs_typed.users where age > 26 and tags->>'role' = 'admin';
select id from attrs_typed.users where age > 26 and tags->>'role' = 'admin';
-- without the option, IMPORT is as before; bad values are refused
import foreign schema dynamodb limit to (attrs) from server dynamodb_server into attrs_typed
  options (sample_size 'many');
import foreign schema dynamodb limit to (attrs) from server dynamodb_server into attrs_typed
  options (sample 'yes');
