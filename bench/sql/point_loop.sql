-- Point queries inside one statement: a PL/pgSQL loop of `lookups` GetItems by partition key
-- (random keys of 1..n) in one session, timed inside the server, so that no client round trip
-- comes between two lookups. The backend's time on CPU over the loop (all its threads,
-- bench.cpu_seconds()) gives the CPU per lookup.
--
--   psql -X -q -At -v ON_ERROR_STOP=1 -v n=10000 -v lookups=5000 -f bench/sql/point_loop.sql
create temporary table keys as
select (1 + floor(random() * :n))::bigint as k, row_number() over () as i
from generate_series(1, :lookups);
-- 200 untimed lookups first: the session connects, describes the table and settles on its plan.
do $$
declare
    r record;
begin
    for i in 1..200 loop
        select * into r from bench.point where pk = i;
    end loop;
end
$$;
select extract(epoch from clock_timestamp()) as t0, bench.cpu_seconds() as c0 \gset
do $$
declare
    r record;
    key bigint;
    found_rows bigint := 0;
begin
    for key in select k from keys order by i loop
        select * into r from bench.point where pk = key;
        if found then
            found_rows := found_rows + 1;
        end if;
    end loop;
    perform set_config('bench.found', found_rows::text, false);
end
$$;
select extract(epoch from clock_timestamp()) - :t0 as secs, bench.cpu_seconds() - :c0 as cpu \gset
select current_setting('bench.found') as found \gset
\echo RESULT secs=:secs cpu=:cpu found=:found
