// IMPORT FOREIGN SCHEMA: one foreign table per DynamoDB table (ListTables, then DescribeTable),
// with the key attributes as columns and an _attrs jsonb catch-all; with the option sample_size,
// also a typed column for each attribute that holds one type in a sample of the items.
#include "fdw/dynamodb_fdw.hpp"

#include <cerrno>
#include <cstdlib>

extern "C" {
#include "commands/defrem.h"
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

// The IMPORT statement's options: sample_size alone, a whole number of items (0: no sampling).
int64 SampleSize(ImportForeignSchemaStmt *stmt) {
    int64 size = 0;
    ListCell *lc;
    foreach (lc, stmt->options) {
        DefElem *d = (DefElem *)lfirst(lc);
        if (strcmp(d->defname, "sample_size") != 0)
            ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
                            errmsg("invalid option \"%s\" for IMPORT FOREIGN SCHEMA", d->defname),
                            errhint("The only option is sample_size.")));
        const char *v = defGetString(d);
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || n < 1 || n > 1000000)
            ereport(ERROR,
                    (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
                     errmsg("invalid value for option \"sample_size\": \"%s\"", v),
                     errhint("The value must be a whole number of items from 1 to 1000000.")));
        size = n;
    }
    return size;
}

// The column type of an attribute that held one DynamoDB type throughout the sample.
const char *SampledColumnType(const DynamoSampledColumn &c) {
    switch (c.type) {
        case dynamo::AttrType::S:
            return "text";
        case dynamo::AttrType::N:
            return c.whole ? "bigint" : "numeric";
        case dynamo::AttrType::BOOL:
            return "boolean";
        case dynamo::AttrType::B:
            return "bytea";
        case dynamo::AttrType::SS:
            return "text[]";
        case dynamo::AttrType::NS:
            return "numeric[]";
        case dynamo::AttrType::BS:
            return "bytea[]";
        case dynamo::AttrType::M:
        case dynamo::AttrType::L:
            // Not a catch-all where an item lacks the attribute: NULL there.
            return "jsonb OPTIONS (catch_all 'false')";
        default:
            return NULL;
    }
}

bool KeyAttribute(const DynamoKeySchema &keys, const char *name) {
    if (strcmp(keys.hash, name) == 0 || (keys.range != NULL && strcmp(keys.range, name) == 0))
        return true;
    for (int k = 0; k < keys.nindex_keys; k++)
        if (strcmp(keys.index_keys[k], name) == 0)
            return true;
    return false;
}

}  // namespace

List *DynamoImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid) {
    ForeignServer *server = GetForeignServer(serverOid);
    List *commands = NIL;
    ListCell *lc;
    int64 sample_size = SampleSize(stmt);

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
        if (sample_size > 0) {
            int64 items, mixed;
            DynamoSampledColumn *cols;
            int ncols, typed = 0;
            DynamoSampleTable(serverOid, GetUserId(), table, sample_size, &items, &mixed, &cols,
                              &ncols);
            for (int i = 0; i < ncols; i++) {
                const char *type = SampledColumnType(cols[i]);
                // Names Postgres would shorten, and the catch-all's own name, stay in _attrs.
                if (type == NULL || KeyAttribute(keys, cols[i].name) ||
                    strcmp(cols[i].name, "_attrs") == 0 || strlen(cols[i].name) >= NAMEDATALEN)
                    continue;
                appendStringInfo(&sql, ",\n  %s %s", quote_identifier(cols[i].name), type);
                typed++;
            }
            ereport(NOTICE,
                    (errmsg("sampled %lld items of DynamoDB table \"%s\": %d typed columns",
                            (long long)items, table, typed),
                     mixed > 0 ? errdetail("%lld attributes held more than one type and stay in "
                                           "_attrs.",
                                           (long long)mixed)
                               : 0));
        }
        appendStringInfoString(&sql, ",\n  _attrs jsonb\n)");
        appendStringInfo(&sql, " SERVER %s OPTIONS (table %s, rowid_column %s)",
                         quote_identifier(server->servername), quote_literal_cstr(table),
                         quote_literal_cstr(keys.hash));
        commands = lappend(commands, sql.data);
    }
    return commands;
}
