#!/usr/bin/env bash
# The demo: installs what is needed, builds and installs the extension, starts a throwaway
# PostgreSQL 15 cluster and dynalite on free loopback ports, writes sample tables with the AWS
# SDK for JavaScript, runs the documentation's walkthrough and shows the results. In a terminal
# it then leaves you at a psql prompt; leaving psql stops everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

work="$(mktemp -d /tmp/dynamodb-wrapper-demo.XXXXXX)"
source "$root/test/harness.sh"
harness_init "$work"
start_postgres
start_dynalite
node test/fixtures/load.mjs
psql -X -q -d postgres -f test/vault_mock.sql >/dev/null
psql -X -d postgres -v endpoint="$DYNAMODB_ENDPOINT" -f examples/demo.sql

if [ -t 0 ] && [ -t 1 ]; then
    echo
    echo "psql is connected to the demo database; the foreign tables are in schema dynamodb."
    echo "Leave psql with \\q (or Ctrl-D) to stop PostgreSQL and the local DynamoDB."
    PGOPTIONS="-c search_path=dynamodb,public,extensions" psql -X -d postgres
else
    echo "(not a terminal: stopping PostgreSQL and the local DynamoDB)"
fi
