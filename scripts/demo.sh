#!/usr/bin/env bash
# The demo: installs what is needed, builds and installs the extension (and Supabase Vault, when
# its source is in ../shared/vendor), starts a throwaway PostgreSQL 15 cluster and dynalite on
# free loopback ports, writes sample tables with the AWS SDK for JavaScript, runs the
# documentation's walkthrough and shows the results. In a terminal it then leaves you at a psql
# prompt; leaving psql stops everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

work="$(mktemp -d /tmp/dynamodb-wrapper-demo.XXXXXX)"
source "$root/test/harness.sh"
harness_init "$work"
vault=on
vault_rc=0
install_vault || vault_rc=$?
if [ "$vault_rc" -eq 77 ]; then
    vault=off
    echo "(the demo runs without Supabase Vault: $VAULT_SKIPPED)"
elif [ "$vault_rc" -ne 0 ]; then
    exit 1
fi
start_postgres
start_dynalite
node test/fixtures/load.mjs
psql -X -d postgres -v endpoint="$DYNAMODB_ENDPOINT" -v vault="$vault" -f examples/demo.sql

if [ -t 0 ] && [ -t 1 ]; then
    echo
    echo "psql is connected to the demo database; the foreign tables are in schema dynamodb."
    echo "Leave psql with \\q (or Ctrl-D) to stop PostgreSQL and the local DynamoDB."
    PGOPTIONS="-c search_path=dynamodb,public,extensions" psql -X -d postgres
else
    echo "(not a terminal: stopping PostgreSQL and the local DynamoDB)"
fi
