-- One timed write statement through the wrapper (the remote write workloads of bench/driver.py):
-- the statement in the variable stmt, its row count, and the requests this session sent.
--
--   psql -X -q -At -v ON_ERROR_STOP=1 -v stmt='update bench.w_remote set s = ...' -f bench/sql/write.sql
select extract(epoch from clock_timestamp()) as t0 \gset
:stmt;
\set rows :ROW_COUNT
select extract(epoch from clock_timestamp()) - :t0 as secs \gset
select coalesce(string_agg(operation || ':' || requests, ',' order by operation), 'none') as ops
from extensions.dynamodb_client_stats() \gset
\echo RESULT secs=:secs rows=:rows ops=:ops
