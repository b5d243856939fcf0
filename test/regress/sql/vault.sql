-- Credentials from Vault, by secret id or by secret name; a missing secret is a clear error.
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT
select vault.create_secret('test', 'vault_test_key', 'key id') as key_secret_id \gset
select vault.create_secret('test', 'vault_test_secret', 'secret') as secret_secret_id \gset

create server vault_by_id foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint',
  vault_access_key_id :'key_secret_id', vault_secret_access_key :'secret_secret_id');
create foreign table public.vault_users_by_id (id text) server vault_by_id options (table 'users');
select id from public.vault_users_by_id order by id;

create server vault_by_name foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint',
  vault_access_key_id 'vault_test_key', vault_secret_access_key 'vault_test_secret');
create foreign table public.vault_users_by_name (id text) server vault_by_name options (table 'users');
select id from public.vault_users_by_name order by id;

-- a reference to a secret that does not exist
create server vault_missing foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint',
  vault_access_key_id 'no_such_secret', vault_secret_access_key 'vault_test_secret');
create foreign table public.vault_missing_users (id text) server vault_missing options (table 'users');
select id from public.vault_missing_users;

-- credentials in a user mapping win over the server's
create server mapped foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint');
create foreign table public.mapped_users (id text) server mapped options (table 'users');
select id from public.mapped_users;
create user mapping for current_user server mapped options (
  vault_access_key_id 'vault_test_key', vault_secret_access_key 'vault_test_secret');
select id from public.mapped_users order by id;
