// IMPORT FOREIGN SCHEMA: one foreign table per DynamoDB table (ListTables, then DescribeTable),
// with the key attributes as columns and an _attrs jsonb catch-all.
#include "fdw/dynamodb_fdw.hpp"

extern "C" {
#include "lib/stringinfo.h"
#include "utils/builtins.h"
}

namespace {

// Whether LIMIT TO / EXCEPT lets the DynamoDB table `name` through.
bool Wanted(ImportForeignSchemaStmt *stmt, const char *name) {
    if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
        return true;
    bool listed = false;
    ListCell *lc;
    foreach (lc, stmt->table_list) {
        RangeVar *rv = (RangeVar *)lfirst(lc);
        if (strcmp(rv->relname, name) == 0)
            listed = true;
    }
    return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

// Binary keys read as bytea; string and number keys as text, collated in DynamoDB's byte order.
const char *KeyColumnType(dynamo::AttrType t) {
    return t == dynamo::AttrType::B ? "bytea" : "text COLLATE \"C\"";
}

}  // namespace

List *DynamoImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid) {
    ForeignServer *server = GetForeignServer(serverOid);
    List *commands = NIL;
    ListCell *lc;

    foreach (lc, DynamoListTables(serverOid, GetUserId())) {
        const char *table = strVal(lfirst(lc));
        if (!Wanted(stmt, table))
            continue;

        DynamoKeySchema keys;
        DynamoDescribeKeys(serverOid, GetUserId(), table, &keys);

        StringInfoData sql;
        initStringInfo(&sql);
        appendStringInfo(&sql, "CREATE FOREIGN TABLE %s (\n  %s %s NOT NULL",
                         quote_identifier(table), quote_identifier(keys.hash),
                         KeyColumnType(keys.hash_type));
        if (keys.range != NULL)
            appendStringInfo(&sql, ",\n  %s %s NOT NULL", quote_identifier(keys.range),
                             KeyColumnType(keys.range_type));
        // Attributes that key an index have a known type too; items may lack them.
        for (int k = 0; k < keys.nindex_keys; k++)
            appendStringInfo(&sql, ",\n  %s %s", quote_identifier(keys.index_keys[k]),
                             KeyColumnType(keys.index_key_types[k]));
        appendStringInfoString(&sql, ",\n  _attrs jsonb\n)");
        appendStringInfo(&sql, " SERVER %s OPTIONS (table %s, rowid_column %s)",
                         quote_identifier(server->servername), quote_literal_cstr(table),
                         quote_literal_cstr(keys.hash));
        commands = lappend(commands, sql.data);
    }
    return commands;
}
