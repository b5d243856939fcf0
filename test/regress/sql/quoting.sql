-- Table and attribute names with capitals, dashes, dots, spaces and quotes.
set search_path = public, extensions;
\d "dynamodb"."Odd_Table-1.x"
select * from dynamodb."Odd_Table-1.x" order by 1, 2;
create schema odd;
create foreign table odd."Odd Names" (
  "Part Key" text,
  "sort.key" integer,
  "First Name" text,
  "dash-attr" text,
  "UPPER" numeric,
  "with""quote" text,
  upper numeric
) server dynamodb_server options (table 'Odd_Table-1.x');
select * from odd."Odd Names" order by 1, 2;
-- binary keys import as bytea
select * from dynamodb.bin_keys order by k;
