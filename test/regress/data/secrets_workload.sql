-- The workload of the secrets test (test/regress/sql/secrets.sql): with credentials whose
-- secrets are the strings of secret_needles.txt, it goes through every kind of error the wrapper
-- reports, EXPLAIN with every option, reads and writes, with every message sent to the client
-- and written to the server log. Run by psql without echo; the caller greps what it printed and
-- the server log for the secrets.
\set ON_ERROR_STOP 0
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT
\getenv proxy FAULT_PROXY_ENDPOINT
\getenv stall STALL_ENDPOINT
set client_min_messages = debug5;
set log_min_messages = debug5;
set log_error_verbosity = verbose;

create schema sec;
-- secrets on the server (with a session token) and in a user mapping (the vault test checks
-- Vault's secrets the same way)
create server sec_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', aws_access_key_id 'SRVKEY',
  aws_secret_access_key 'SRVSECRET-q7Zt0xWv', aws_session_token 'SRVTOKEN-b81LmQa',
  max_attempts '2');
create server sec_mapped foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'proxy', max_attempts '2');
create user mapping for current_user server sec_mapped options (
  aws_access_key_id 'MAPKEY', aws_secret_access_key 'MAPSECRET-x4Rv2wKe',
  aws_session_token 'MAPTOKEN-k9Pd3sJu');
create server sec_stall foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'stall', aws_access_key_id 'SRVKEY',
  aws_secret_access_key 'SRVSECRET-q7Zt0xWv', aws_session_token 'SRVTOKEN-b81LmQa');
create server sec_refused foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url 'http://127.0.0.1:9', aws_access_key_id 'SRVKEY',
  aws_secret_access_key 'SRVSECRET-q7Zt0xWv', max_attempts '2', connect_timeout_ms '500');

create foreign table sec.users (id text, name text, _attrs jsonb) server sec_server
  options (table 'users');
create foreign table sec.users_mapped (id text, name text) server sec_mapped
  options (table 'users');
create foreign table sec.orders (customer_id text, order_date text, order_id text, amount numeric)
  server sec_server options (table 'orders');
create foreign table sec.paging (pk bigint, label text) server sec_server
  options (table 'paging', page_size '50');
create foreign table sec.missing (id text) server sec_server options (table 'no_such_table');
create foreign table sec.bad (id text, i16 smallint) server sec_server options (table 'types_bad');
create foreign table sec.stalled (id text) server sec_stall options (table 'users');
create foreign table sec.refused (id text) server sec_refused options (table 'users');
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" sec_writes
create foreign table sec.writes (id bigint, label text, payload text, _attrs jsonb) server sec_server
  options (table 'sec_writes');

-- reads and EXPLAIN with every option, on every credentials source
select count(*) from sec.users;
select count(*) from sec.users_mapped;
explain (analyze, verbose, costs, buffers, settings, summary, timing off)
  select * from sec.users where id = 'user1';
explain (analyze, verbose, buffers, timing off)
  select * from sec.orders where customer_id = 'cust1' and order_date > '2024';
explain (analyze, verbose, timing off) select * from sec.paging where label like 'x%';
explain (analyze, verbose, timing off) select * from sec.users_mapped;
explain (analyze, verbose, timing off) select * from sec.users where id in ('user1', 'user2');
explain (verbose, format json) select count(*) from sec.paging;
explain (verbose, format yaml) select * from sec.users where name = 'x';
select * from dynamodb_client_stats();

-- errors from DynamoDB and from conversion
select * from sec.missing;
select * from sec.bad;
-- every fault, until the retries run out
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","fault":"throttle"}'
select count(*) from sec.paging;
insert into sec.writes values (1, 'throttled', 'p');
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","fault":"500"}'
select count(*) from sec.users_mapped;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","fault":"drop"}'
select count(*) from sec.users_mapped;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","fault":"cut"}'
select count(*) from sec.users;
\! curl -sf -X PUT "$FAULT_PROXY_CONTROL/rules" -d '{"operation":"*","fault":"badjson"}'
select count(*) from sec.users;
\! curl -sf -X DELETE "$FAULT_PROXY_CONTROL/rules"
-- no answer, cancelled by statement_timeout; a refused connection
set statement_timeout = '300ms';
select count(*) from sec.stalled;
reset statement_timeout;
select count(*) from sec.refused;

-- writes: success, EXPLAIN ANALYZE, and rejected rows
insert into sec.writes select g, 'row-' || g, 'p' from generate_series(1, 30) g;
explain (analyze, verbose, timing off)
  insert into sec.writes select g, 'more-' || g, 'p' from generate_series(31, 60) g;
explain (analyze, verbose, timing off) update sec.writes set label = 'changed' where id = 5;
explain (analyze, verbose, timing off) delete from sec.writes where id > 50;
update sec.writes set id = 1000 where id = 1;
insert into sec.writes values (null, 'no key', 'p');
insert into sec.writes values (2000, 'too big', repeat('x', 500000));
insert into sec.writes (id, _attrs) values (3000, '[1, 2]');

-- IMPORT FOREIGN SCHEMA, of every table and of one that does not exist
create schema sec_import;
import foreign schema dynamodb from server sec_server into sec_import;
import foreign schema dynamodb limit to (no_such_table) from server sec_server into sec_import;

-- options: a misspelled secret option, an empty secret. PostgreSQL
-- itself logs the text of a failed statement (log_min_error_statement), which here names the
-- value: that is the statement as the user wrote it, not a message of the wrapper.
set log_min_error_statement = panic;
alter server sec_server options (add aws_secret_acces_key 'SRVSECRET-q7Zt0xWv');
alter user mapping for current_user server sec_mapped
  options (add aws_sesion_token 'MAPTOKEN-k9Pd3sJu');
reset log_min_error_statement;
alter server sec_server options (set aws_secret_access_key '');
