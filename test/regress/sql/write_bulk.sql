-- Bulk writes: 10,000 rows from INSERT ... SELECT go as BatchWriteItem requests of 25 items
-- (400 requests, not 10,000), and all of them are in DynamoDB exactly once; DELETE without
-- WHERE removes them 25 a request. The request counts come from dynamodb_client_stats(), which
-- counts what this backend sent.
set search_path = public, extensions;
\! node test/fixtures/load.mjs write_bulk > /dev/null
create schema wbulk;
create foreign table wbulk.items (id integer, label text, even boolean)
  server dynamodb_server options (table 'write_bulk');
create view wbulk.sent as
  select operation, sum(requests) as requests from dynamodb_client_stats()
   where server_name = 'dynamodb_server' group by operation;
select coalesce((select requests from wbulk.sent where operation = 'BatchWriteItem'), 0) as batches,
       coalesce((select requests from wbulk.sent where operation = 'PutItem'), 0) as puts
\gset before_

explain (costs off) insert into wbulk.items select g, 'item ' || g, g % 2 = 0 from generate_series(1, 10000) g;
insert into wbulk.items select g, 'item ' || g, g % 2 = 0 from generate_series(1, 10000) g;
\echo rows: :ROW_COUNT
select (select requests from wbulk.sent where operation = 'BatchWriteItem') - :before_batches as batch_write_requests,
       coalesce((select requests from wbulk.sent where operation = 'PutItem'), 0) - :before_puts as put_requests;

-- What DynamoDB holds, read with the AWS SDK: 10,000 items, 10,000 distinct keys, and item 1234
\! node test/fixtures/dump.mjs write_bulk | wc -l
\! node test/fixtures/dump.mjs write_bulk | sed 's/,"label.*//' | sort -u | wc -l
\! node test/fixtures/dump.mjs write_bulk '{"id":{"N":"1234"}}'
-- and through the wrapper
select count(*), count(distinct id), min(id), max(id), sum(id) from wbulk.items;

-- a smaller batch_size makes more requests: 10 rows, 4 a request
alter foreign table wbulk.items options (add batch_size '4');
select (select requests from wbulk.sent where operation = 'BatchWriteItem') as before_small \gset
insert into wbulk.items select g, 'again ' || g, false from generate_series(1, 10) g;
select (select requests from wbulk.sent where operation = 'BatchWriteItem') - :before_small as batch_write_requests;
\! node test/fixtures/dump.mjs write_bulk '{"id":{"N":"10"}}'
alter foreign table wbulk.items options (drop batch_size);

-- DELETE without WHERE: 10,000 deletes, 25 a request
select (select requests from wbulk.sent where operation = 'BatchWriteItem') as before_delete \gset
delete from wbulk.items;
\echo rows: :ROW_COUNT
select (select requests from wbulk.sent where operation = 'BatchWriteItem') - :before_delete as batch_write_requests;
\! node test/fixtures/dump.mjs write_bulk | wc -l
