-- The benchmark's objects in a fresh database: the extension, a server for the emulator, one
-- foreign table per loaded table, and two helpers that read the backend's own /proc entries.
--
--   psql -X -q -v ON_ERROR_STOP=1 -v endpoint=$DYNAMODB_ENDPOINT -v sizes='10000 50000' \
--        -v point_size=10000 -f bench/sql/setup.sql
--
-- Columns are typed for the six attributes bench/load.mjs writes (pk is the partition key).
create schema if not exists extensions;
create extension if not exists wrappers with schema extensions;
create foreign data wrapper dynamodb_wrapper
  handler extensions.dynamo_db_fdw_handler validator extensions.dynamo_db_fdw_validator;
create server dynamodb_server foreign data wrapper dynamodb_wrapper
  options (region 'us-east-1', endpoint_url :'endpoint',
           aws_access_key_id 'test', aws_secret_access_key 'test');
create schema bench;

-- bench.items_<N> for every size, bench.empty, bench.ins_wrapper (the INSERT target) and
-- bench.point (the table of the point queries).
select format('create foreign table bench.%I (pk bigint, s text, n_int bigint, n_dec numeric,'
              ' flag boolean, m jsonb, b bytea) server dynamodb_server'
              ' options (table %L, rowid_column ''pk'')', name, remote)
from (select 'items_' || n, 'bench_items_' || n
      from unnest(string_to_array(:'sizes', ' ')) as n
      union all values ('empty', 'bench_empty'), ('ins_wrapper', 'bench_ins_wrapper'),
                       ('point', 'bench_items_' || :'point_size')) as t(name, remote)
\gexec

-- The backend's time on CPU in seconds, all its threads (the wrapper's I/O thread too):
-- schedstat's first field (nanoseconds) of each thread where the kernel has it, else utime +
-- stime from stat (the whole process, in clock ticks, 100 a second on Linux). A thread that
-- ends between two readings drops out of the sum; the wrapper's I/O thread lives as long as
-- the backend's connection to the server.
create function bench.cpu_seconds() returns numeric language sql as $$
  select case
    when (pg_stat_file('/proc/self/schedstat', true)).modification is not null
      then (select sum(split_part(coalesce(pg_read_file('/proc/self/task/' || t || '/schedstat',
                                                        0, 200, true), '0'), ' ', 1)::numeric) / 1e9
            from pg_ls_dir('/proc/self/task') as t)
    else (select (f[12]::numeric + f[13]::numeric) / 100
          from string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') as f)
  end
$$;

-- The backend's peak resident set size so far (VmHWM), in kB.
create function bench.peak_rss_kb() returns bigint language sql as $$
  select substring(pg_read_file('/proc/self/status') from 'VmHWM:\s+(\d+) kB')::bigint
$$;
