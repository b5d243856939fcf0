-- The documentation page's Insert, Update and Delete examples, word for word, each checked
-- through the independent client (dump.mjs prints what DynamoDB holds for the key).
set search_path = public, extensions;

-- Create a foreign table manually (IMPORT FOREIGN SCHEMA in the walkthrough made another one)
drop foreign table dynamodb.products;
create foreign table dynamodb.products (
product_id text,
name text,
price numeric,
in_stock boolean,
tags jsonb
)
server dynamodb_server
options (
table 'products',
rowid_column 'product_id'
);

-- Insert a new item
insert into dynamodb.products (product_id, name, price, in_stock)
values ('prod-999', 'Widget', 9.99, true);
\! node test/fixtures/dump.mjs products '{"product_id":{"S":"prod-999"}}'

-- Update specific attributes
-- Only updates 'price' and 'in_stock'; other attributes are preserved
update dynamodb.products
set price = 12.99, in_stock = false
where product_id = 'prod-999';
\! node test/fixtures/dump.mjs products '{"product_id":{"S":"prod-999"}}'

-- Delete an item
delete from dynamodb.products where product_id = 'prod-999';
\! node test/fixtures/dump.mjs products '{"product_id":{"S":"prod-999"}}'

-- The other products are as they were
\! node test/fixtures/dump.mjs products

-- Each statement is one request: PutItem, UpdateItem, DeleteItem (the key is fixed, so nothing
-- is read first)
explain (verbose, costs off)
insert into dynamodb.products (product_id, name, price, in_stock)
values ('prod-999', 'Widget', 9.99, true);
explain (verbose, costs off)
update dynamodb.products
set price = 12.99, in_stock = false
where product_id = 'prod-999';
explain (verbose, costs off)
delete from dynamodb.products where product_id = 'prod-999';

-- INSERT replaces the entire item (PutItem); UPDATE changes only what it sets
insert into dynamodb.products (product_id, name, price, in_stock, tags)
values ('prod-998', 'Gadget', 5, true, '["new", "sale"]');
insert into dynamodb.products (product_id, name)
values ('prod-998', 'Gadget v2');
\! node test/fixtures/dump.mjs products '{"product_id":{"S":"prod-998"}}'
update dynamodb.products set price = 6.5 where product_id = 'prod-998';
\! node test/fixtures/dump.mjs products '{"product_id":{"S":"prod-998"}}'
delete from dynamodb.products where product_id = 'prod-998';

-- TRUNCATE is not supported (the documentation's Operations table)
truncate dynamodb.products;

-- Put the imported table back for the tests that follow
drop foreign table dynamodb.products;
import foreign schema dynamodb limit to (products) from server dynamodb_server into dynamodb;
