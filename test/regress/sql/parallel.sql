-- Parallel Scans: a Scan split into DynamoDB segments that are read at once, every segment
-- requesting its next page while Postgres works on the current one. The answers are the same
-- whatever the number of segments, and repeated scans reuse the backend's connections.
set search_path = public, extensions;
\getenv backend DYNAMODB_BACKEND
\getenv endpoint DYNAMODB_ENDPOINT

create temp table answers (segments int, tbl text, items bigint, keys bigint, total numeric,
                           counted bigint);
-- reads both tables whole (and counts them) and records the answers of a run with `segs` segments
create function pg_temp.record_answers(segs int) returns void language sql as $$
  insert into answers
    select segs, 'big', count(*), count(distinct id), sum((_attrs->>'n')::numeric),
           (select count(*) from dynamodb.big)
      from dynamodb.big;
  insert into answers
    select segs, 'paging', count(*), count(distinct pk), sum(pk::numeric),
           (select count(*) from dynamodb.paging)
      from dynamodb.paging;
$$;

-- one segment: the default for tables DynamoDB reports as small (the emulators report 0 items)
explain (costs off) select * from dynamodb.big;
select pg_temp.record_answers(1);

-- four segments, set on the foreign tables; small pages make several pages per segment
alter foreign table dynamodb.big options (add segments '4');
alter foreign table dynamodb.paging options (add segments '4', add page_size '10');
explain (costs off) select * from dynamodb.big;
explain (costs off) select count(*) from dynamodb.paging;
select pg_temp.record_answers(4);

-- eight segments
alter foreign table dynamodb.big options (set segments '8');
alter foreign table dynamodb.paging options (set segments '8');
explain (costs off) select id from dynamodb.big where _attrs->>'n' = '7';
select pg_temp.record_answers(8);

-- again, in the same backend: the same answers
select pg_temp.record_answers(8);

-- every item exactly once, whatever the number of segments
select tbl, count(*) as runs, count(distinct (items, keys, total, counted)) as distinct_answers,
       min(items) as items, min(keys) as keys, min(total) as total, min(counted) as counted
  from answers group by tbl order by tbl;

-- conditions pushed down apply to every segment
select count(*), min(pk::int), max(pk::int) from dynamodb.paging where pk::int > 240;
select count(*) from dynamodb.paging where (_attrs->>'even')::boolean;

-- a LIMIT that DynamoDB applies reads one segment and asks for no page ahead
explain (costs off) select * from dynamodb.paging limit 3;
select count(*) from (select * from dynamodb.paging limit 3) s;

-- a repeated parallel scan opens no new connection: the ones of the previous statement are
-- still alive (moto's server closes the connection after every response, so connections are
-- only counted against emulators that keep them alive, as dynalite and DynamoDB do)
select count(*), count(distinct id) from dynamodb.big;
select max(connections) as connections_before from dynamodb_client_stats()
 where server_name = 'dynamodb_server' \gset
select case when :'backend' = 'moto' then true
            else :connections_before >= 8 end as one_connection_per_segment;
select count(*), count(distinct id) from dynamodb.big;
select count(*), count(distinct id) from dynamodb.big;
select case when :'backend' = 'moto' then true
            else max(connections) = :connections_before end as no_new_connection
  from dynamodb_client_stats() where server_name = 'dynamodb_server';

alter foreign table dynamodb.big options (drop segments);
alter foreign table dynamodb.paging options (drop segments, drop page_size);

-- the server option is the default of its tables; a table's own option wins
create server parallel_server foreign data wrapper dynamodb_wrapper options (
  region 'us-east-1', endpoint_url :'endpoint', aws_access_key_id 'test',
  aws_secret_access_key 'test', segments '3');
create schema parallel;
create foreign table parallel.by_server (pk bigint, label text) server parallel_server
  options (table 'paging');
create foreign table parallel.by_table (pk bigint, label text) server parallel_server
  options (table 'paging', segments '5');
create foreign table parallel.single (pk bigint, label text) server parallel_server
  options (table 'paging', segments '1');
explain (costs off) select * from parallel.by_server;
explain (costs off) select * from parallel.by_table;
explain (costs off) select * from parallel.single;
select count(*), count(distinct pk), sum(pk) from parallel.by_server;
select count(*), count(distinct pk), sum(pk) from parallel.by_table;

-- the value must be a number of segments DynamoDB accepts
alter foreign table parallel.single options (set segments '0');
alter foreign table parallel.single options (set segments '1000001');
alter server parallel_server options (set segments 'many');
alter foreign table parallel.single options (set segments '1000000');
explain (costs off) select * from parallel.single;

drop schema parallel cascade;
drop server parallel_server;
