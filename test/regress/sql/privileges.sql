-- Privileges: a user mapping's secrets are readable only by its owner (with USAGE on the
-- server), the server's owner and superusers; each role reads with its own mapping (or PUBLIC's)
-- and never with another role's, also when both use the same backend; the server process's own
-- credentials (environment, shared credentials file) serve only servers a superuser owns.
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT

create role ddb_regress_alice;
create role ddb_regress_bob;
create server priv_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint');
create user mapping for ddb_regress_alice server priv_server options (
  aws_access_key_id 'alice-key', aws_secret_access_key 'alice-secret-value');
create schema priv;
grant usage on schema priv, extensions to ddb_regress_alice, ddb_regress_bob;
create foreign table priv.users (id text) server priv_server options (table 'users');
grant select on priv.users to ddb_regress_alice, ddb_regress_bob;

-- the catalog itself is closed to other roles, and the view hides the options
set role ddb_regress_bob;
select umoptions from pg_user_mapping;
select usename, umoptions from pg_user_mappings where srvname = 'priv_server';
reset role;
grant usage on foreign server priv_server to ddb_regress_bob;
set role ddb_regress_bob;
select usename, umoptions from pg_user_mappings where srvname = 'priv_server';
reset role;

-- alice sees her own options once she has USAGE on the server
set role ddb_regress_alice;
select usename, umoptions from pg_user_mappings where srvname = 'priv_server';
reset role;
grant usage on foreign server priv_server to ddb_regress_alice;
set role ddb_regress_alice;
select usename, umoptions from pg_user_mappings where srvname = 'priv_server';

-- alice reads with her mapping; bob, in the same backend right after, has none: he gets an
-- error, not alice's cached connection
select id from priv.users order by id;
reset role;
set role ddb_regress_bob;
select id from priv.users order by id;
reset role;

-- a PUBLIC mapping serves every role without one of its own; alice keeps hers
create user mapping for public server priv_server options (
  aws_access_key_id 'public-key', aws_secret_access_key 'public-secret-value');
set role ddb_regress_bob;
select id from priv.users order by id;
select usename, umoptions from pg_user_mappings where srvname = 'priv_server' order by usename;
reset role;
drop user mapping for public server priv_server;

-- the server process's shared credentials file: used for a server a superuser owns, never for
-- one a non-superuser owns (who could point it anywhere)
\! printf '[default]\naws_access_key_id = file-key\naws_secret_access_key = file-secret-value\n' > "$AWS_SHARED_CREDENTIALS_FILE"
create server priv_admin foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint');
create foreign table priv.admin_users (id text) server priv_admin options (table 'users');
select id from priv.admin_users order by id;
grant usage on foreign data wrapper dynamodb_wrapper to ddb_regress_bob;
grant create on schema priv to ddb_regress_bob;
set role ddb_regress_bob;
create server priv_bob foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint');
create foreign table priv.bob_users (id text) server priv_bob options (table 'users');
select id from priv.bob_users order by id;
-- with keys of his own, bob's server works
create user mapping for ddb_regress_bob server priv_bob options (
  aws_access_key_id 'bob-key', aws_secret_access_key 'bob-secret-value');
select id from priv.bob_users order by id;
-- and alice cannot read his mapping's options, even as a user of the server
reset role;
grant usage on foreign server priv_bob to ddb_regress_alice;
set role ddb_regress_alice;
select usename, umoptions from pg_user_mappings where srvname = 'priv_bob';
reset role;
\! rm -f "$AWS_SHARED_CREDENTIALS_FILE"

set client_min_messages = warning;
drop schema priv cascade;
drop server priv_bob cascade;
drop server priv_server, priv_admin cascade;
revoke all on foreign data wrapper dynamodb_wrapper from ddb_regress_bob;
revoke all on schema extensions from ddb_regress_alice, ddb_regress_bob;
drop role ddb_regress_alice;
drop role ddb_regress_bob;
reset client_min_messages;
