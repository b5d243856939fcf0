-- One keep-alive connection per server in a backend; no repeated DescribeTable.
set search_path = public, extensions;
\getenv endpoint DYNAMODB_ENDPOINT
\getenv backend DYNAMODB_BACKEND
create server reuse_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint', aws_access_key_id 'test', aws_secret_access_key 'test');
create foreign table public.reuse_users (id text, name text) server reuse_server options (table 'users');
create foreign table public.reuse_orders (customer_id text, order_date text) server reuse_server options (table 'orders');
select count(*) from public.reuse_users;
select count(*) from public.reuse_orders;
select count(*) from public.reuse_users;
select count(*) from public.reuse_users u join public.reuse_orders o on o.customer_id = u.id;
-- moto's server closes the connection after every response, so connections are only counted
-- against emulators that keep them alive (dynalite does, as DynamoDB does)
select operation, requests,
       case when :'backend' = 'moto' then 1 else connections end as connections
  from dynamodb_client_stats()
 where server_name = 'reuse_server' order by operation;
-- changing the foreign table describes it again; other tables stay cached
alter foreign table public.reuse_users options (add page_size '2');
select count(*) from public.reuse_users;
-- moto's server closes the connection after every response, so connections are only counted
-- against emulators that keep them alive (dynalite does, as DynamoDB does)
select operation, requests,
       case when :'backend' = 'moto' then 1 else connections end as connections
  from dynamodb_client_stats()
 where server_name = 'reuse_server' order by operation;
-- changing the server makes a new client (and a new connection)
alter server reuse_server options (add request_timeout_ms '20000');
select count(*) from public.reuse_users;
-- moto's server closes the connection after every response, so connections are only counted
-- against emulators that keep them alive (dynalite does, as DynamoDB does)
select operation, requests,
       case when :'backend' = 'moto' then 1 else connections end as connections
  from dynamodb_client_stats()
 where server_name = 'reuse_server' order by operation;
-- options are kept per session, and read again after a change: the table option now names
-- another table, and a server option applies to the next statement
select count(*) from public.reuse_orders;
alter foreign table public.reuse_orders options (set table 'users');
select count(*) from public.reuse_orders;
alter foreign table public.reuse_orders options (set table 'orders');
select count(*) from public.reuse_orders;
-- (a changed server gets a new client, whose counts start at zero: at least one Scan request
-- per item, and DynamoDB may answer one more, empty page)
alter server reuse_server options (add page_size '1');
select count(*) from public.reuse_orders;
select requests >= 4 as a_request_per_item from dynamodb_client_stats()
 where server_name = 'reuse_server' and operation = 'Scan';
alter server reuse_server options (drop page_size);
-- an unreachable endpoint fails with a clear error after its retries
create server unreachable foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url 'http://127.0.0.1:9', aws_access_key_id 'test',
  aws_secret_access_key 'test', max_attempts '2', connect_timeout_ms '500');
create foreign table public.unreachable_users (id text) server unreachable options (table 'users');
\set VERBOSITY terse
select * from public.unreachable_users;
\set VERBOSITY default

-- a request that gets no answer is stopped by statement_timeout within a second, and by a
-- cancel; the backend stays usable
\getenv stall STALL_ENDPOINT
create server stalled foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'stall', aws_access_key_id 'test',
  aws_secret_access_key 'test', request_timeout_ms '60000');
create foreign table public.stalled_users (id text) server stalled options (table 'users');
select clock_timestamp() as t0 \gset
set statement_timeout = '300ms';
select * from public.stalled_users;
reset statement_timeout;
select clock_timestamp() - :'t0'::timestamptz < interval '1.3 seconds' as stopped_within_a_second;
-- pg_cancel_backend from another session
select clock_timestamp() as t0 \gset
select pid as victim from pg_stat_activity where pid = pg_backend_pid() \gset
create extension if not exists dblink;
select dblink_connect('canceller', format('dbname=%s host=%s port=%s', current_database(),
  split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')));
select dblink_send_query('canceller',
  format('select pg_sleep(0.5), pg_cancel_backend(%s)', :victim));
select * from public.stalled_users;
select dblink_disconnect('canceller');
select clock_timestamp() - :'t0'::timestamptz < interval '1.5 seconds' as cancelled_within_a_second;
select count(*) from public.reuse_users;
