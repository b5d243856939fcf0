-- The full-scan guard: with the option allow_full_scan (server or foreign table) false, or the
-- setting dynamodb.allow_full_scan off, a read that would need a Scan of the table or an index
-- fails when it is planned; key lookups, Queries and writes by key run as before.
\getenv endpoint DYNAMODB_ENDPOINT
set search_path = public, extensions;
create schema guard;
create foreign table guard.orders (customer_id text collate "C", order_date text collate "C",
  order_id text, amount numeric, status text)
  server dynamodb_server options (table 'orders', allow_full_scan 'false');

-- no key condition: refused
select count(*) from guard.orders;
select order_id from guard.orders where amount > 10;
explain (costs off) select * from guard.orders where status = 'shipped';
update guard.orders set status = 'lost' where amount > 100;
-- a key condition: a Query, a GetItem, a BatchGetItem, and a join on the partition key
select order_id from guard.orders where customer_id = 'cust1' order by order_date;
select count(*) from guard.orders where customer_id = 'cust1' and order_date >= '2024-01-01';
select amount from guard.orders where customer_id = 'cust2' and order_date = '2024-01-10';
select order_id from guard.orders
  where customer_id in ('cust1', 'cust2') and order_date = '2024-01-01';
create temp table wanted (c text collate "C");
insert into wanted values ('cust2');
analyze wanted;
set enable_hashjoin = off;
set enable_mergejoin = off;
select w.c, o.order_id from wanted w join guard.orders o on o.customer_id = w.c;
reset enable_hashjoin;
reset enable_mergejoin;
-- writes by key; an INSERT reads nothing
insert into guard.orders values ('cust9', '2025-01-01', 'ord-9', 9, 'new');
update guard.orders set status = 'paid' where customer_id = 'cust9' and order_date = '2025-01-01';
delete from guard.orders where customer_id = 'cust9' and order_date = '2025-01-01';
\! node "$HARNESS_ROOT/test/fixtures/dump.mjs" orders '{"customer_id":{"S":"cust9"},"order_date":{"S":"2025-01-01"}}'

-- the table allows it, the setting does not; then the setting allows it again
alter foreign table guard.orders options (set allow_full_scan 'true');
select count(*) from guard.orders;
set dynamodb.allow_full_scan = off;
select count(*) from guard.orders;
select count(*) from guard.orders where customer_id = 'cust1';
reset dynamodb.allow_full_scan;
select count(*) from guard.orders;

-- a server's default for its tables, and a table that overrides it
create server guarded foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint', aws_access_key_id 'test',
  aws_secret_access_key 'test', allow_full_scan 'false');
create foreign table guard.strict (customer_id text, order_date text, amount numeric)
  server guarded options (table 'orders');
create foreign table guard.lenient (customer_id text, order_date text, amount numeric)
  server guarded options (table 'orders', allow_full_scan 'true');
select count(*) from guard.strict;
select count(*) from guard.lenient;
-- a value that is not a boolean
alter foreign table guard.strict options (add allow_full_scan 'sometimes');
drop server guarded cascade;
