-- Table and attribute names with capitals, dashes, dots, spaces and quotes.
set search_path = public, extensions;
\d "dynamodb"."Odd_Table-1.x"
select * from dynamodb."Odd_Table-1.x" order by 1, 2;
create schema odd;
create foreign table odd."Odd Names" (
  "Part Key" text,
  "sort.key" integer,
  "First Name" text,
  "dash-attr" text,
  "UPPER" numeric,
  "with""quote" text,
  upper numeric
) server dynamodb_server options (table 'Odd_Table-1.x');
select * from odd."Odd Names" order by 1, 2;
-- binary keys import as bytea
select * from dynamodb.bin_keys order by k;

-- attribute names with '#', ':', a reserved word and non-ASCII letters, in reads, pushed-down
-- filters and key conditions, and writes (read back with the AWS SDK)
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" odd_attrs
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" odd_attrs '{"id":{"N":"1"},"#tag":{"S":"x"},"a:b":{"N":"5"},"status":{"S":"new"},"größe":{"N":"42"},"日本":{"S":"はい"}}'
\! node "$HARNESS_ROOT/test/fixtures/put_item.mjs" odd_attrs '{"id":{"N":"2"},"#tag":{"S":"y"},"a:b":{"N":"7"},"status":{"S":"old"},"größe":{"N":"43"}}'
create foreign table odd.attrs (id bigint, "#tag" text, "a:b" integer, status text,
  "größe" integer, "日本" text) server dynamodb_server options (table 'odd_attrs');
select * from odd.attrs order by id;
explain (costs off) select id from odd.attrs where "#tag" = 'x' and "a:b" > 4 and status = 'new'
  and "größe" = 42 and "日本" = 'はい';
select id from odd.attrs where "#tag" = 'x' and "a:b" > 4 and status = 'new' and "größe" = 42
  and "日本" = 'はい';
select id, "größe" from odd.attrs where id = 2;
insert into odd.attrs values (3, 'z', 9, 'fresh', 44, 'いいえ');
update odd.attrs set status = 'changed', "日本" = 'もう' where id = 2;
update odd.attrs set "a:b" = "a:b" + 1 where "#tag" = 'x';
delete from odd.attrs where "größe" = 44;
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" odd_attrs
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" --delete odd_attrs
