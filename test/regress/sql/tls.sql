-- TLS: an https endpoint's certificate is verified against the system's CA certificates, or the
-- file named by ca_file; a certificate nobody vouches for is refused, and there is no option to
-- skip the check. (The endpoint is test/tls_proxy.mjs with a certificate made for the run.)
set search_path = public, extensions;
\getenv tls TLS_PROXY_ENDPOINT
\getenv ca TLS_CA_FILE
\getenv other_ca TLS_OTHER_CA_FILE
create schema tls;

-- the run's certificate is not among the system's CAs: refused at the first attempt (a
-- certificate that fails verification is not retried)
create server tls_system foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'tls', aws_access_key_id 'test',
  aws_secret_access_key 'test');
create foreign table tls.users_system (id text) server tls_system options (table 'users');
select id from tls.users_system;

-- with ca_file naming it, the same endpoint works
create server tls_trusted foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'tls', aws_access_key_id 'test',
  aws_secret_access_key 'test', ca_file :'ca');
create foreign table tls.users_trusted (id text) server tls_trusted options (table 'users');
select id from tls.users_trusted order by id;

-- a CA file that did not sign it, and one that does not exist
create server tls_other foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'tls', aws_access_key_id 'test',
  aws_secret_access_key 'test', ca_file :'other_ca');
create foreign table tls.users_other (id text) server tls_other options (table 'users');
select id from tls.users_other;
create server tls_missing foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'tls', aws_access_key_id 'test',
  aws_secret_access_key 'test', ca_file '/nonexistent/ca.pem');
create foreign table tls.users_missing (id text) server tls_missing options (table 'users');
select id from tls.users_missing;

-- no option turns verification off
alter server tls_system options (add ssl_verify 'false');
alter server tls_system options (add verify_peer 'false');

set client_min_messages = warning;
drop schema tls cascade;
drop server tls_system, tls_trusted, tls_other, tls_missing cascade;
reset client_min_messages;
