-- Credentials in Supabase Vault: the real extension (built by the harness from ../shared/vendor
-- and preloaded with a root key made for the run), in a database of its own, where the reference
-- page's steps run as written. Requests go through the fault proxy, which checks their
-- signatures as DynamoDB does against the key pairs it is given (PUT /keys) and counts requests
-- by access key id, so the test sees which credentials the wrapper signed with.
\getenv proxy FAULT_PROXY_ENDPOINT
\getenv version VAULT_VERSION
select current_database() as regress_db \gset
create database dynamodb_vault;
\c dynamodb_vault
create extension supabase_vault;
select extversion, extversion = :'version' as built_from_vendor
  from pg_extension where extname = 'supabase_vault';
-- key_use(): the fault proxy's count of requests by access key id, as accepted / refused
create function key_use(counts jsonb, out access_key_id text, out accepted boolean,
                        out refused boolean) returns setof record language sql as $$
  select key, value ? 'accepted', value ? 'refused' from jsonb_each(counts) order by key $$;
-- the proxy knows two key pairs (the key ids are not secret; the secret keys are)
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/keys" -d '{"AKIDVAULTEXAMPLE0001":"vault-secret-key-Rq73Lm0Zx","AKIDVAULTEXAMPLE0002":"vault-secret-key-Ht28Wc5Nv"}'

-- Enable Wrappers, Enable the DynamoDB Wrapper (the extensions schema exists on Supabase)
create schema if not exists extensions;
set search_path = public, extensions;
create extension if not exists wrappers with schema extensions;
create foreign data wrapper dynamodb_wrapper
handler dynamo_db_fdw_handler
validator dynamo_db_fdw_validator;

-- Store your credentials (the ids that vault.create_secret returns are kept in psql variables)
-- Save your AWS access key ID in Vault
select vault.create_secret(
'AKIDVAULTEXAMPLE0001',
'dynamodb_access_key_id',
'AWS access key ID for DynamoDB Wrappers'
) as vault_key_id \gset
-- Save your AWS secret access key in Vault
select vault.create_secret(
'vault-secret-key-Rq73Lm0Zx',
'dynamodb_secret_access_key',
'AWS secret access key for DynamoDB Wrappers'
) as vault_secret_id \gset
-- Vault keeps them encrypted, and decrypts them in vault.decrypted_secrets
select name, description, strpos(secret, 'vault-secret-key') = 0 and strpos(secret, 'AKID') = 0
         as encrypted, decrypted_secret
  from vault.decrypted_secrets order by name;

-- Connecting to DynamoDB
create server dynamodb_server
foreign data wrapper dynamodb_wrapper
options (
-- The key id saved in Vault from above
vault_access_key_id :'vault_key_id',
-- The secret id saved in Vault from above
vault_secret_access_key :'vault_secret_id',
-- AWS region where your DynamoDB table(s) reside
region 'us-east-1',
endpoint_url :'proxy'
);
create schema if not exists dynamodb;

-- the page's queries through it
import foreign schema dynamodb
limit to (users, orders)
from server dynamodb_server into dynamodb;
select
id,
_attrs->>'name' as name,
(_attrs->>'age')::integer as age,
(_attrs->>'active')::boolean as active
from dynamodb.users
order by id;
select * from dynamodb.users where id = 'user123';
select * from dynamodb.orders where customer_id = 'cust1' and order_date >= '2024-01-01' order by order_date;
create foreign table dynamodb.products (
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
select * from dynamodb.products where product_id = 'prod-001';
select product_id, price from dynamodb.products where price > 50 order by product_id;
insert into dynamodb.products (product_id, name, price, in_stock)
values ('prod-999', 'Widget', 9.99, true);
update dynamodb.products
set price = 12.99, in_stock = false
where product_id = 'prod-999';
select product_id, name, price, in_stock from dynamodb.products where product_id = 'prod-999';
delete from dynamodb.products where product_id = 'prod-999';
-- every request was signed with the key pair from Vault
\set keys `curl -sf "$FAULT_PROXY_CONTROL/keys"`
select * from key_use(:'keys');

-- the secrets by name, and in a user mapping (which wins over the server's own keys)
create server dynamodb_by_name foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy',
  vault_access_key_id 'dynamodb_access_key_id', vault_secret_access_key 'dynamodb_secret_access_key');
create foreign table public.users_by_name (id text) server dynamodb_by_name options (table 'users');
select count(*) from public.users_by_name;
create server dynamodb_mapped foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy',
  aws_access_key_id 'AKIDNOTKNOWN', aws_secret_access_key 'not-a-known-secret');
create foreign table public.users_mapped (id text) server dynamodb_mapped options (table 'users');
select count(*) from public.users_mapped;
create user mapping for current_user server dynamodb_mapped options (
  vault_access_key_id :'vault_key_id', vault_secret_access_key 'dynamodb_secret_access_key');
select count(*) from public.users_mapped;
\set keys `curl -sf "$FAULT_PROXY_CONTROL/keys"`
select * from key_use(:'keys');

-- Rotating the key pair in Vault. A session keeps the credentials it read while they work; a
-- new session reads the new ones.
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/keys" -d '{"AKIDVAULTEXAMPLE0001":"vault-secret-key-Rq73Lm0Zx","AKIDVAULTEXAMPLE0002":"vault-secret-key-Ht28Wc5Nv"}'
select count(*) from dynamodb.users;
select vault.update_secret(:'vault_key_id', 'AKIDVAULTEXAMPLE0002');
select vault.update_secret(:'vault_secret_id', 'vault-secret-key-Ht28Wc5Nv');
\! "$PG_BINDIR/psql" -X -q -A -t -d dynamodb_vault -c "select count(*) from dynamodb.users"
\set keys `curl -sf "$FAULT_PROXY_CONTROL/keys"`
select * from key_use(:'keys');
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/keys" -d '{"AKIDVAULTEXAMPLE0001":"vault-secret-key-Rq73Lm0Zx","AKIDVAULTEXAMPLE0002":"vault-secret-key-Ht28Wc5Nv"}'
select count(*) from dynamodb.users;
\set keys `curl -sf "$FAULT_PROXY_CONTROL/keys"`
select * from key_use(:'keys');
-- once DynamoDB refuses the old key (deactivated), the session's next statement reads Vault again
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/keys" -d '{"AKIDVAULTEXAMPLE0002":"vault-secret-key-Ht28Wc5Nv"}'
select count(*) from dynamodb.users;
select count(*) from dynamodb.users;
\set keys `curl -sf "$FAULT_PROXY_CONTROL/keys"`
select * from key_use(:'keys');

-- a wrong secret key in Vault: DynamoDB's signature error, which never shows the secret
select vault.update_secret(:'vault_secret_id', 'vault-wrong-key-Pz41Dk9Yb');
\! "$PG_BINDIR/psql" -X -q -d dynamodb_vault -c "select count(*) from dynamodb.users" > "$HARNESS_WORKDIR/vault-wrong-key.out" 2>&1; cat "$HARNESS_WORKDIR/vault-wrong-key.out"
\! grep -c -F vault-wrong-key-Pz41Dk9Yb "$HARNESS_WORKDIR/vault-wrong-key.out"
select vault.update_secret(:'vault_secret_id', 'vault-secret-key-Ht28Wc5Nv');

-- a secret id (and a secret name) that does not exist
create server vault_missing foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy',
  vault_access_key_id '00000000-0000-0000-0000-000000000000',
  vault_secret_access_key 'dynamodb_secret_access_key');
create foreign table public.vault_missing_users (id text) server vault_missing options (table 'users');
select id from public.vault_missing_users;
alter server vault_missing options (set vault_access_key_id :'vault_key_id',
                                    set vault_secret_access_key 'no_such_secret');
select id from public.vault_missing_users;

-- a role that may read the foreign table but not Vault's secrets; the privileges it needs, one
-- at a time
create role ddb_regress_vault_reader;
grant select on public.users_by_name to ddb_regress_vault_reader;
set role ddb_regress_vault_reader;
select count(*) from public.users_by_name;
reset role;
grant usage on schema vault to ddb_regress_vault_reader;
set role ddb_regress_vault_reader;
select count(*) from public.users_by_name;
reset role;
grant select on vault.decrypted_secrets to ddb_regress_vault_reader;
set role ddb_regress_vault_reader;
select count(*) from public.users_by_name;
reset role;
grant execute on function vault._crypto_aead_det_decrypt to ddb_regress_vault_reader;
set role ddb_regress_vault_reader;
select count(*) from public.users_by_name;
reset role;

-- none of the secret keys is in the server log (the needles do find them in this file)
\! grep -c -E 'vault-secret-key-Rq73Lm0Zx|vault-secret-key-Ht28Wc5Nv|vault-wrong-key-Pz41Dk9Yb' "$HARNESS_ROOT/test/regress/sql/vault.sql"
\! grep -c -E 'vault-secret-key-Rq73Lm0Zx|vault-secret-key-Ht28Wc5Nv|vault-wrong-key-Pz41Dk9Yb' "$PG_LOG"

\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/keys"
\c :regress_db
drop database dynamodb_vault;
drop role ddb_regress_vault_reader;
