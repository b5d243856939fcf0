-- The documentation's walkthrough on a local DynamoDB. Run by scripts/demo.sh with
-- -v endpoint=http://127.0.0.1:PORT and -v vault=on or off (whether Supabase Vault is installed
-- and preloaded); the sample tables were written by the AWS SDK for JavaScript.
\set ON_ERROR_STOP on
\echo '== Preparation: the extension and the foreign data wrapper'
create schema if not exists extensions;
create extension if not exists wrappers with schema extensions;
set search_path = public, extensions;
create foreign data wrapper dynamodb_wrapper
  handler dynamo_db_fdw_handler
  validator dynamo_db_fdw_validator;

\if :vault
\echo '== Credentials in Supabase Vault'
create extension if not exists supabase_vault;
select vault.create_secret('test', 'dynamodb_access_key_id', 'AWS access key ID for DynamoDB Wrappers') as vault_key_id \gset
select vault.create_secret('test', 'dynamodb_secret_access_key', 'AWS secret access key for DynamoDB Wrappers') as vault_secret_id \gset
-- stored encrypted; vault.decrypted_secrets decrypts them
select name, left(secret, 16) || '...' as stored_encrypted, decrypted_secret from vault.decrypted_secrets order by name;

\echo '== Connecting to DynamoDB with the Vault secrets (by id)'
create server dynamodb_server
  foreign data wrapper dynamodb_wrapper
  options (
    vault_access_key_id :'vault_key_id',
    vault_secret_access_key :'vault_secret_id',
    region 'us-east-1',
    endpoint_url :'endpoint'
  );
\else
\echo '== Connecting to DynamoDB (Supabase Vault is not installed: the keys are server options)'
create server dynamodb_server
  foreign data wrapper dynamodb_wrapper
  options (
    aws_access_key_id 'test',
    aws_secret_access_key 'test',
    region 'us-east-1',
    endpoint_url :'endpoint'
  );
\endif
create schema if not exists dynamodb;

\echo '== import foreign schema dynamodb from server dynamodb_server into dynamodb;'
import foreign schema dynamodb from server dynamodb_server into dynamodb;
\det+ dynamodb.*

\echo '== Imported tables: key columns plus _attrs jsonb'
select
  id,
  _attrs->>'name' as name,
  (_attrs->>'age')::integer as age,
  (_attrs->>'active')::boolean as active,
  _attrs->'tags' as tags
from dynamodb.users
order by id;

select * from dynamodb.orders where order_id = 'ord-001';
select * from dynamodb.orders where customer_id = 'cust1' and order_date >= '2024-01-01' order by order_date;

\echo '== A hand-written foreign table with typed columns'
create foreign table dynamodb.products_typed (
  product_id text,
  name text,
  price numeric,
  in_stock boolean,
  tags jsonb
)
server dynamodb_server
options (table 'products', rowid_column 'product_id');
select * from dynamodb.products_typed order by product_id;
select * from dynamodb.products_typed where price > 50;

\echo '== Every DynamoDB type (S, N, B, BOOL, NULL, L, M, SS, NS, BS) read into typed columns'
create foreign table dynamodb.types_typed (
  id text, s text, n integer, n_big numeric, b bytea, t_bool boolean, nul text,
  l jsonb, m jsonb, ss jsonb, ns jsonb, bs jsonb, d date, ts timestamp, tstz timestamptz
)
server dynamodb_server options (table 'types');
\x on
select * from dynamodb.types_typed where id = 'all';
\x off

\echo '== What this backend sent to DynamoDB'
select * from dynamodb_client_stats();
