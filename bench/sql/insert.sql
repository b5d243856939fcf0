-- Bulk insert through the wrapper: item(i) for i = 1..rows (the items bench/load.mjs writes)
-- into the empty table bench.ins_wrapper, then the requests this session sent.
--
--   psql -X -q -At -v ON_ERROR_STOP=1 -v rows=10000 -f bench/sql/insert.sql
select extract(epoch from clock_timestamp()) as t0 \gset
insert into bench.ins_wrapper (pk, s, n_int, n_dec, flag, m, b)
select i, 'name-' || lpad(i::text, 8, '0'), (i * 7919) % 1000003,
       ((i % 100000) / 100.0)::numeric(12, 2), i % 2 = 0,
       jsonb_build_object('k', 'v' || (i % 10), 'n', i % 100), int8send(i) || int8send(i)
from generate_series(1, :rows) as i;
select extract(epoch from clock_timestamp()) - :t0 as secs \gset
select coalesce(string_agg(operation || ':' || requests, ',' order by operation), 'none') as ops
from extensions.dynamodb_client_stats() \gset
\echo RESULT secs=:secs ops=:ops
