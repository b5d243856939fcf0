-- A point query by partition key through the delay proxy (a pgbench script; n is the number of
-- items in the table; bench.remote_items is on the server dynamodb_remote, see bench/driver.py):
--   pgbench -n -M prepared -c 1 -T 10 -D n=10000 -f bench/sql/point_remote.sql
\set k random(1, :n)
select * from bench.remote_items where pk = :k;
