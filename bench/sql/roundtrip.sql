-- A query with no work at all, for pgbench's own round trip on this machine (client to backend
-- and back, one prepared statement):
--   pgbench -n -M prepared -c 1 -T 10 -f bench/sql/roundtrip.sql
select 1;
