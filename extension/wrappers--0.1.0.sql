-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION wrappers" to load this file. \quit

CREATE FUNCTION dynamo_db_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME', 'dynamo_db_fdw_handler'
LANGUAGE C STRICT;

CREATE FUNCTION dynamo_db_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME', 'dynamo_db_fdw_validator'
LANGUAGE C STRICT;

-- Requests this backend has sent to DynamoDB, per foreign server and operation, and the
-- connections it opened. Useful to check connection reuse and what a statement cost.
CREATE FUNCTION dynamodb_client_stats(
    OUT server_name text,
    OUT connections bigint,
    OUT operation text,
    OUT requests bigint,
    OUT retries bigint,
    OUT throttled bigint,
    OUT consumed_read_units double precision,
    OUT consumed_write_units double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'dynamodb_client_stats'
LANGUAGE C STRICT VOLATILE;
