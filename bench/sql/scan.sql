-- One measured full scan, in a session of its own: an EXPLAIN first (it connects and describes
-- the table, as any first statement would), then the scan, with the wall time, the backend's
-- CPU time, its peak RSS before and after, and the requests it sent to DynamoDB. Every row goes
-- through PostgreSQL: count(*) and the length of each row as text.
--
--   psql -X -q -At -v ON_ERROR_STOP=1 -v table=bench.items_10000 -f bench/sql/scan.sql
--
-- With -v warm=1 the same scan runs once untimed first: the measured one is then the session's
-- second, in a backend that has scanned before.
\o /dev/null
explain select * from :table;
\if :{?warm}
select count(*), sum(length(t::text)) from :table t;
\endif
\o
select coalesce(sum(requests), 0) as r0 from extensions.dynamodb_client_stats() \gset
select extract(epoch from clock_timestamp()) as t0, bench.cpu_seconds() as c0,
       bench.peak_rss_kb() as m0 \gset
select count(*) as n, sum(length(t::text)) as chars from :table t \gset
select extract(epoch from clock_timestamp()) - :t0 as secs, bench.cpu_seconds() - :c0 as cpu,
       bench.peak_rss_kb() as m1 \gset
select coalesce(sum(requests), 0) - :r0 as requests from extensions.dynamodb_client_stats() \gset
\echo RESULT n=:n secs=:secs cpu=:cpu hwm_before_kb=:m0 hwm_after_kb=:m1 requests=:requests
