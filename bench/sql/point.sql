-- A point query by partition key (a pgbench script; n is the number of items in the table):
--   pgbench -n -M prepared -c 1 -T 10 -D n=10000 -f bench/sql/point.sql
\set k random(1, :n)
select * from bench.point where pk = :k;
