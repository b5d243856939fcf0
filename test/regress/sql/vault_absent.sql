-- A vault_ option where Supabase Vault is not installed (this database never has it; the vault
-- test installs it in a database of its own): a clear error that names the option.
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT
select count(*) as vault_extensions from pg_extension where extname = 'supabase_vault';

create server vault_absent foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint',
  vault_access_key_id 'dynamodb_access_key_id', vault_secret_access_key 'dynamodb_secret_access_key');
create foreign table public.vault_absent_users (id text) server vault_absent options (table 'users');
select id from public.vault_absent_users;

-- the same from a user mapping
alter server vault_absent options (drop vault_access_key_id, drop vault_secret_access_key);
create user mapping for current_user server vault_absent options (
  vault_access_key_id 'dynamodb_access_key_id', vault_secret_access_key 'dynamodb_secret_access_key');
select id from public.vault_absent_users;

-- a schema named vault that is not Supabase Vault, then one whose view lacks the column
create schema vault;
select id from public.vault_absent_users;
create view vault.decrypted_secrets as select gen_random_uuid() as id, 'x'::text as name;
select id from public.vault_absent_users;
drop schema vault cascade;

drop server vault_absent cascade;
