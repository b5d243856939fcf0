-- Secrets: after a workload (test/regress/data/secrets_workload.sql) that reads and writes with
-- secrets in server options and a user mapping, goes through every kind of error, and
-- runs EXPLAIN with every option, none of the secrets (test/regress/data/secret_needles.txt)
-- appears in anything the client received (results, EXPLAIN, errors, NOTICEs and DEBUG
-- messages), in the server log written at log_min_messages = debug5, or in pg_stat_activity.
set search_path = public, extensions;
\getenv root HARNESS_ROOT
\getenv work HARNESS_WORKDIR
\set needles :root/test/regress/data/secret_needles.txt
create temp table needles as
  select s from unnest(string_to_array(trim(pg_read_file(:'needles'), E'\n'), E'\n')) s;
select count(*) as secrets from needles;

\! "$PG_BINDIR/psql" -X -q -d dynamodb_regress -f "$HARNESS_ROOT/test/regress/data/secrets_workload.sql" > "$HARNESS_WORKDIR/secrets-workload.out" 2>&1; echo "workload exit status $?"

-- the workload ran every error path (the distinct errors it got, without their details)
\! grep -o 'ERROR:  .*' "$HARNESS_WORKDIR/secrets-workload.out" | sed 's/[0-9][0-9]* attempts/N attempts/' | sort -u
-- and the client and the log saw DEBUG messages and the EXPLAIN output
\! grep -q 'DEBUG:' "$HARNESS_WORKDIR/secrets-workload.out" && echo "client got DEBUG messages"
\! grep -q 'DEBUG:' "$PG_LOG" && echo "server log has DEBUG messages"
\! grep -q 'DynamoDB Retries' "$HARNESS_WORKDIR/secrets-workload.out" && echo "client got EXPLAIN ANALYZE"

-- the needles do find the secrets where they are: in the workload's own text
\! grep -c -F -f "$HARNESS_ROOT/test/regress/data/secret_needles.txt" "$HARNESS_ROOT/test/regress/data/secrets_workload.sql"
-- and nowhere else: lines with a secret in what the client received, and in the server log
\! grep -c -F -f "$HARNESS_ROOT/test/regress/data/secret_needles.txt" "$HARNESS_WORKDIR/secrets-workload.out"
\! grep -c -F -f "$HARNESS_ROOT/test/regress/data/secret_needles.txt" "$PG_LOG"

-- pg_stat_activity while a request of a server with secrets is in flight (stalled)
\! ("$PG_BINDIR/psql" -X -q -d dynamodb_regress -c "set statement_timeout = '3s'" -c "select count(*) from sec.stalled" >/dev/null 2>&1 &)
select pg_sleep(1);
select (select count(*) from pg_stat_activity
         where query like '%from sec.stalled%' and pid <> pg_backend_pid()) as stalled_queries,
       (select count(*) from pg_stat_activity a, needles n where strpos(a::text, n.s) > 0)
         as rows_with_a_secret;
select pg_cancel_backend(pid) from pg_stat_activity
 where query like '%from sec.stalled%' and pid <> pg_backend_pid();

set client_min_messages = warning;
drop schema sec, sec_import cascade;
drop server sec_server, sec_mapped, sec_stall, sec_refused cascade;
reset client_min_messages;
\! node "$HARNESS_ROOT/test/fixtures/fault_table.mjs" --delete sec_writes
