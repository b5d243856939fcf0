-- The documentation page's walkthrough, statement by statement, against the local DynamoDB.
-- The endpoint is the only addition: every server gets endpoint_url.
\getenv endpoint DYNAMODB_ENDPOINT

-- Preparation
create schema if not exists extensions;
create extension if not exists wrappers with schema extensions;
set search_path = public, extensions;
create foreign data wrapper dynamodb_wrapper
handler dynamo_db_fdw_handler
validator dynamo_db_fdw_validator;

-- Connecting to DynamoDB, with the keys in the server's options as the page's "Basic setup"
-- has it (the page's Vault steps run in the vault test, against the real Supabase Vault)
create server dynamodb_server
foreign data wrapper dynamodb_wrapper
options (
aws_access_key_id 'test',
aws_secret_access_key 'test',
region 'us-east-1',
endpoint_url :'endpoint'
);
create schema if not exists dynamodb;

-- Entities
import foreign schema dynamodb from server dynamodb_server into dynamodb;
select foreign_table_name, ftoptions
  from information_schema.foreign_tables f
  join pg_foreign_table t on t.ftrelid = (quote_ident(f.foreign_table_schema) || '.' || quote_ident(f.foreign_table_name))::regclass
 where foreign_table_schema = 'dynamodb'
 order by 1;
\d dynamodb.users
\d dynamodb.orders

select
id,
_attrs->>'name' as name,
(_attrs->>'age')::integer as age,
(_attrs->>'active')::boolean as active
from dynamodb.users
order by id;

select
id,
_attrs->>'name' as name,
(_attrs->>'age')::integer as age,
(_attrs->>'active')::boolean as active,
_attrs->'tags' as tags -- nested Map
from dynamodb.users
order by id;

select * from dynamodb.orders where order_id = 'ord-001';
select * from dynamodb.orders where customer_id = 'cust1' and order_date >= '2024-01-01' order by order_date;

-- LIMIT TO and EXCEPT
create schema limited;
import foreign schema dynamodb
limit to (users, orders)
from server dynamodb_server into limited;
select foreign_table_name from information_schema.foreign_tables
 where foreign_table_schema = 'limited' order by 1;
create schema excepted;
import foreign schema dynamodb
except (staging_table)
from server dynamodb_server into excepted;
select foreign_table_name from information_schema.foreign_tables
 where foreign_table_schema = 'excepted' order by 1;

-- Usage: a hand-written table (replacing the imported one of the same name)
drop foreign table dynamodb.users;
create foreign table dynamodb.users (
id text,
name text,
age bigint,
active boolean,
metadata jsonb
)
server dynamodb_server
options (
table 'users',
rowid_column 'id'
);
-- metadata names no attribute, so it is the catch-all: it receives what no column names
select * from dynamodb.users order by id;
select * from dynamodb.users where id = 'user123';
select * from dynamodb.users where age > 30 order by id;

-- Create a foreign table manually
create foreign table dynamodb.products_typed (
product_id text,
name text,
price numeric,
in_stock boolean,
tags jsonb
)
server dynamodb_server
options (
table 'products',
rowid_column 'product_id'
);
select * from dynamodb.products_typed where product_id = 'prod-001';
select * from dynamodb.products_typed where price > 50;

-- Using DynamoDB Local for development
create server dynamodb_local_server
foreign data wrapper dynamodb_wrapper
options (
aws_access_key_id 'test',
aws_secret_access_key 'test',
region 'us-east-1',
endpoint_url :'endpoint'
);
create schema local_import;
import foreign schema dynamodb limit to (products) from server dynamodb_local_server into local_import;
select product_id, _attrs->>'name' as name, _attrs->'price' as price from local_import.products order by 1;
