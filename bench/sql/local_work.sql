-- A query of local work only (no foreign table), for pgbench's own latency at about the
-- duration of a point query:
--   pgbench -n -M prepared -c 1 -T 10 -f bench/sql/local_work.sql
select count(*) from generate_series(1, 4000);
