-- Every option is checked when the object is created.
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT
-- unknown options, with a hint
create server bad1 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', regoin 'x');
create server bad2 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', endpoint 'http://localhost:8000');
create server bad3 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', colour 'blue');
-- region is required and not empty
create server bad4 foreign data wrapper dynamodb_wrapper options (endpoint_url 'http://localhost:8000');
create server bad5 foreign data wrapper dynamodb_wrapper options (region '');
-- half a key pair
create server bad6 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', aws_access_key_id 'x');
create server bad7 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', aws_secret_access_key 'x');
create server bad8 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', vault_access_key_id 'x');
-- values
create server bad9 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', endpoint_url 'not a url');
create server bad10 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', endpoint_url 'ftp://example.com');
create server bad11 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', request_timeout_ms '0');
create server bad12 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', max_attempts 'many');
create server bad12a foreign data wrapper dynamodb_wrapper options (region 'us-east-1', max_retry_time_ms '0');
create server bad12b foreign data wrapper dynamodb_wrapper options (region 'us-east-1', retry_base_delay_ms '-25');
create server bad13 foreign data wrapper dynamodb_wrapper options (region 'us-east-1', consistent_read 'maybe');

-- ALTER is checked too: region cannot be dropped
create server okserver foreign data wrapper dynamodb_wrapper options (region 'us-east-1', endpoint_url :'endpoint',
  aws_access_key_id 'test', aws_secret_access_key 'test');
alter server okserver options (drop region);
alter server okserver options (add rgion 'x');

-- user mappings
create user mapping for current_user server okserver options (aws_access_key_id 'x');
create user mapping for current_user server okserver options (region 'us-east-1');

-- foreign tables: table is required; options are checked
create foreign table public.no_table (id text) server okserver;
create foreign table public.bad_table_opt (id text) server okserver options (table 't', tabel 'x');
create foreign table public.bad_page (id text) server okserver options (table 't', page_size '-1');
create foreign table public.bad_col (id text options (catch_all 'sometimes')) server okserver options (table 't');
create foreign table public.bad_col2 (id text options (name 'x')) server okserver options (table 't');
-- the wrapper itself takes no options
create foreign data wrapper other_wrapper handler dynamo_db_fdw_handler validator dynamo_db_fdw_validator options (region 'x');

-- a table that does not exist in DynamoDB
create foreign table public.nonexistent (id text) server okserver options (table 'no_such_table');
\set VERBOSITY terse
select * from public.nonexistent;
\set VERBOSITY default

-- no credentials anywhere
create server nocreds foreign data wrapper dynamodb_wrapper options (region 'us-east-1', endpoint_url :'endpoint');
create foreign table public.nocreds_users (id text) server nocreds options (table 'users');
select * from public.nocreds_users;
drop server nocreds cascade;
drop server okserver cascade;

-- a database whose encoding is not UTF8: DynamoDB's text is UTF-8 and is not converted, so the
-- wrapper refuses to read or write there instead of storing wrongly encoded text
create database dynamodb_regress_latin1 encoding 'LATIN1' locale 'C' template template0;
\c dynamodb_regress_latin1
create extension wrappers;
create foreign data wrapper dynamodb_wrapper
  handler dynamo_db_fdw_handler validator dynamo_db_fdw_validator;
create server latin1_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint', aws_access_key_id 'test',
  aws_secret_access_key 'test');
create foreign table latin1_users (id text) server latin1_server options (table 'users');
select id from latin1_users;
insert into latin1_users values ('new-user');
import foreign schema dynamodb from server latin1_server into public;
\c dynamodb_regress
drop database dynamodb_regress_latin1;
