-- The catch-all jsonb column receives every attribute that no declared column names, and only those.
set search_path = public, extensions;
create schema catchall;
create foreign table catchall.products (
  product_id text,
  name text,
  _attrs jsonb
) server dynamodb_server options (table 'products');
select product_id, name, _attrs from catchall.products order by 1;

-- with more declared columns the catch-all shrinks; keys are declared columns too
create foreign table catchall.products2 (
  product_id text,
  price numeric,
  in_stock boolean,
  _attrs jsonb
) server dynamodb_server options (table 'products');
select product_id, price, in_stock, _attrs from catchall.products2 order by 1;

-- a jsonb column whose name is an attribute of the item reads that attribute; where the
-- item lacks it, the column is the catch-all (as the documentation describes)
create foreign table catchall.users (
  id text,
  tags jsonb
) server dynamodb_server options (table 'users');
select id, tags from catchall.users order by 1;

-- catch_all 'false' makes such a column read NULL when the attribute is missing
create foreign table catchall.users_strict (
  id text,
  tags jsonb options (catch_all 'false')
) server dynamodb_server options (table 'users');
select id, tags from catchall.users_strict order by 1;

-- a table of only keys: the catch-all has everything else
create foreign table catchall.orders (
  customer_id text,
  order_date text,
  everything jsonb
) server dynamodb_server options (table 'orders');
select customer_id, order_date, everything from catchall.orders order by 1, 2;
