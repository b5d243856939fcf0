-- A stand-in for the Supabase Vault API (schema vault: table vault.secrets,
-- functions vault.create_secret and vault.update_secret, view
-- vault.decrypted_secrets) for machines without the real extension.
-- It stores secrets UNENCRYPTED: decrypted_secret is the stored secret text.
-- Does nothing when a schema named vault already exists, so running it
-- again, or on a database with the real Vault, is harmless.

DO $mock$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'vault') THEN
        RETURN;
    END IF;

    CREATE SCHEMA vault;

    CREATE TABLE vault.secrets (
        id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text        UNIQUE,
        description text        NOT NULL DEFAULT '',
        secret      text        NOT NULL,
        key_id      uuid,
        nonce       bytea,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE FUNCTION vault.create_secret(
        new_secret      text,
        new_name        text DEFAULT NULL,
        new_description text DEFAULT '',
        new_key_id      uuid DEFAULT NULL
    ) RETURNS uuid
    LANGUAGE sql
    AS $fn$
        INSERT INTO vault.secrets (secret, name, description, key_id)
        VALUES (new_secret, new_name, coalesce(new_description, ''), new_key_id)
        RETURNING id;
    $fn$;

    -- NULL arguments leave the corresponding column unchanged.
    CREATE FUNCTION vault.update_secret(
        secret_id       uuid,
        new_secret      text DEFAULT NULL,
        new_name        text DEFAULT NULL,
        new_description text DEFAULT NULL,
        new_key_id      uuid DEFAULT NULL
    ) RETURNS void
    LANGUAGE sql
    AS $fn$
        UPDATE vault.secrets
        SET secret      = coalesce(new_secret, secret),
            name        = coalesce(new_name, name),
            description = coalesce(new_description, description),
            key_id      = coalesce(new_key_id, key_id),
            updated_at  = now()
        WHERE id = secret_id;
    $fn$;

    CREATE VIEW vault.decrypted_secrets AS
    SELECT id,
           name,
           description,
           secret,
           secret AS decrypted_secret,
           key_id,
           nonce,
           created_at,
           updated_at
    FROM vault.secrets;
END
$mock$;
