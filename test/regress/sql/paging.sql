-- A Scan follows LastEvaluatedKey through every page.
set search_path = public, extensions;
create schema paging;
create foreign table paging.small_pages (
  pk bigint,
  label text,
  even boolean
) server dynamodb_server options (table 'paging', page_size '100');

create temp table stats_before as
  select operation, requests from dynamodb_client_stats() where server_name = 'dynamodb_server';

select count(*), count(distinct pk), min(pk), max(pk), sum(pk),
       count(*) filter (where even) as evens
  from paging.small_pages;
-- 250 items in pages of 100: three Scan requests
select s.requests - coalesce(b.requests, 0) as scan_requests
  from dynamodb_client_stats() s left join stats_before b using (operation)
 where s.server_name = 'dynamodb_server' and s.operation = 'Scan';

select pk, label from paging.small_pages where pk in (1, 100, 101, 200, 201, 250) order by pk;

-- items of about 4 kB: DynamoDB's own 1 MB page limit splits the table into several pages
create foreign table paging.big (
  id text,
  payload text,
  n integer
) server dynamodb_server options (table 'big');
drop table stats_before;
create temp table stats_before as
  select operation, requests from dynamodb_client_stats() where server_name = 'dynamodb_server';
select count(*), count(distinct id), sum(n), min(length(payload)), max(length(payload))
  from paging.big;
select s.requests - coalesce(b.requests, 0) >= 4 as at_least_four_pages
  from dynamodb_client_stats() s left join stats_before b using (operation)
 where s.server_name = 'dynamodb_server' and s.operation = 'Scan';

-- EXPLAIN ANALYZE reports the requests made and items read (consumed capacity is shown as N:
-- emulators count it differently)
create function paging.explain_analyze(query text) returns setof text language plpgsql as $$
declare
  line text;
begin
  for line in execute 'explain (analyze, costs off, timing off, summary off) ' || query loop
    return next regexp_replace(line, '(Consumed Read Capacity: )[0-9.]+', '\1N');
  end loop;
end $$;
select * from paging.explain_analyze('select * from paging.small_pages');

-- only EXPLAIN ANALYZE asks DynamoDB for the capacity consumed (ReturnConsumedCapacity); a plain
-- EXPLAIN VERBOSE shows the request a plain execution sends, without it
create function paging.explain_lines(options text, query text) returns setof text
language plpgsql as $$
declare
  line text;
begin
  for line in execute 'explain (' || options || ') ' || query loop
    return next line;
  end loop;
end $$;
select count(*) filter (where line like '%"ReturnConsumedCapacity":"TOTAL"%') as asks_for_capacity,
       bool_or(substring(line from 'Consumed Read Capacity: ([0-9.]+)')::numeric > 0)
         as capacity_reported
  from paging.explain_lines('analyze, verbose, costs off, timing off, summary off',
                            'select * from paging.small_pages') as line;
select count(*) filter (where line like '%ReturnConsumedCapacity%') as asks_for_capacity,
       count(*) filter (where line like '%DynamoDB Request:%') as request_lines
  from paging.explain_lines('verbose, costs off', 'select * from paging.small_pages') as line;
