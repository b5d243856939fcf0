// The state of a write and what every kind of write shares: options, the table's description
// and the client (CreateModifyState), the columns' roles, the row's memory and error context, a
// column value as a DynamoDB value (ColumnValue, FitKeyType), the catch-all's check, and the
// single-item requests.
#include "fdw/modify.hpp"

#include <string>

extern "C" {
#include "executor/executor.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

namespace dynamo_write {

namespace {

void FreeRuntime(void *arg) {
    DynamoModifyState *st = static_cast<DynamoModifyState *>(arg);
    delete st->rt;
    st->rt = nullptr;
}

// The client's write requests and retries so far (reads the statement makes through the same
// client are counted by its scan).
void WriteCounts(const ModifyRuntime &rt, int64_t &requests, int64_t &retries) {
    requests = retries = 0;
    const dynamo::ClientStats &stats = rt.client->stats();
    for (const char *op : {"PutItem", "BatchWriteItem", "UpdateItem", "DeleteItem"}) {
        auto r = stats.requests.find(op);
        if (r != stats.requests.end())
            requests += r->second;
        auto t = stats.retried.find(op);
        if (t != stats.retried.end())
            retries += t->second;
    }
}

// Error context of a row being written: the DynamoDB table and, once converted, the item's key.
void WriteErrorCallback(void *arg) {
    DynamoModifyState *st = static_cast<DynamoModifyState *>(arg);
    char key[256];
    DynamoItemKeyText(&st->cx, &st->rt->request.item, key, sizeof(key));
    if (strcmp(key, "{}") == 0 || key[0] == '\0')
        errcontext("writing to DynamoDB table \"%s\"", st->table);
    else
        errcontext("writing to DynamoDB table \"%s\", item key %s", st->table, key);
}

// Whether a declared column names the attribute.
bool IsColumnName(DynamoModifyState *st, const std::string &name) {
    for (int i = 0; i < st->cx.ncolumns; i++)
        if (name == st->cx.columns[i].name)
            return true;
    return false;
}

}  // namespace

// The user whose credentials a write uses.
Oid CheckAsUser(ResultRelInfo *rinfo, EState *estate) {
#if PG_VERSION_NUM >= 160000
    return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
    Index rti = rinfo->ri_RangeTableIndex;
    if (rti == 0 && rinfo->ri_RootResultRelInfo != NULL)
        rti = rinfo->ri_RootResultRelInfo->ri_RangeTableIndex;
    if (rti == 0)
        return GetUserId();
    RangeTblEntry *rte = exec_rt_fetch(rti, estate);
    return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

// A foreign table over a secondary index is read-only.
void RejectIndexTable(const char *relname, DynamoOptions *opts) {
    if (opts->index != NULL)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("cannot write to foreign table \"%s\": it reads the index \"%s\" of "
                        "DynamoDB table \"%s\"",
                        relname, opts->index, opts->table),
                 errhint("DynamoDB indexes are read-only. Write through a foreign table without "
                         "the \"index\" option.")));
}

// Whether the jsonb column writes as the catch-all: given catch_all 'true' explicitly, or named
// _attrs (as IMPORT FOREIGN SCHEMA names it) without catch_all 'false'.
bool WritesAsCatchAll(Oid relid, const DynamoColumn *col) {
    if (!col->catch_all)
        return false;
    ListCell *lc;
    foreach (lc, GetForeignColumnOptions(relid, col->attnum)) {
        DefElem *def = (DefElem *)lfirst(lc);
        if (strcmp(def->defname, "catch_all") == 0)
            return true;  // not false: col->catch_all
    }
    return strcmp(col->name, "_attrs") == 0;
}

// The attnum of the column named `name`, or InvalidAttrNumber.
AttrNumber ColumnNamed(TupleDesc tupdesc, const char *name) {
    for (int i = 0; i < tupdesc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(tupdesc, i);
        if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
            return att->attnum;
    }
    return InvalidAttrNumber;
}

// The elements `col || v` adds to a list col: v itself when v is an array, else [v].
Datum ListElements(Datum v) {
    static Datum empty = (Datum)0;
    if (empty == (Datum)0) {
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        empty = DirectFunctionCall1(jsonb_in, CStringGetDatum("[]"));
        MemoryContextSwitchTo(old);
    }
    return DirectFunctionCall2(jsonb_concat, empty, v);
}

const char *RoleName(KeyRole role) {
    static const char *const kNames[] = {"attribute", "partition key", "sort key", "index key"};
    return kNames[role];
}

// Name of the row identity column that carries key column `attnum`.
char *KeyJunkName(AttrNumber attnum, Oid typid) {
    return psprintf("dynamodb_key_%d_%u", attnum, typid);
}

// Name of the row identity column that carries the value an UPDATE read of column `attnum`.
char *ReadJunkName(AttrNumber attnum) {
    return psprintf("dynamodb_read_%d", attnum);
}

// EXPLAIN ANALYZE: the write requests the statement sent, and how many were retries.
void ExplainWriteCounts(DynamoModifyState *st, ExplainState *es) {
    if (!es->analyze || st->rt == NULL || !st->rt->client)
        return;
    int64_t requests = 0, retries = 0;
    bool paced = false;
    double units = 0, waited = 0;
    RunCpp([&] {
        WriteCounts(*st->rt, requests, retries);
        requests -= st->rt->requests_at_start;
        retries -= st->rt->retries_at_start;
        const dynamo::ClientStats &stats = st->rt->client->stats();
        paced = st->rt->client->WriteBudget(st->table) > 0;
        units = stats.write_units - st->rt->write_units_at_start;
        waited = stats.capacity_wait_ms - st->rt->wait_ms_at_start;
    });
    ExplainPropertyInteger("DynamoDB Requests", NULL, requests, es);
    ExplainPropertyInteger("DynamoDB Retries", NULL, retries, es);
    int most = st->rt->pipeline ? st->rt->pipeline->most_in_flight() : 0;
    if (most == 0 && requests > 0)
        most = 1;
    if (!st->defer)
        ExplainPropertyInteger("DynamoDB Most Requests In Flight", NULL, most, es);
    // Under a write budget (whose requests ask DynamoDB what they consume): the units
    // consumed and the time requests waited for the budget or the table's backoff.
    if (paced) {
        ExplainPropertyFloat("DynamoDB Consumed Write Capacity", NULL, units, 1, es);
        ExplainPropertyFloat("DynamoDB Capacity Wait", "ms", waited, 1, es);
    }
    // As Postgres shows "Rows Removed by Filter": in text, only when there were any.
    if (st->condition_failures > 0 || es->format != EXPLAIN_FORMAT_TEXT)
        ExplainPropertyInteger("DynamoDB Conditional Check Failures", NULL, st->condition_failures,
                               es);
}

// Opens the C++ side of a write: options, DescribeTable (cached), the client, the columns.
DynamoModifyState *CreateModifyState(Relation rel, CmdType operation, Oid userid, EState *estate,
                                     bool explain_only) {
    DynamoModifyState *st = (DynamoModifyState *)palloc0(sizeof(DynamoModifyState));
    Oid relid = RelationGetRelid(rel);
    ForeignTable *ft = GetForeignTable(relid);
    DynamoOptions *opts = DynamoGetOptions(ft->serverid, userid, relid);
    st->rel = rel;
    st->relname = pstrdup(RelationGetRelationName(rel));
    st->operation = operation;
    st->serverid = ft->serverid;
    st->userid = userid;
    st->defer = DynamoDeferWrites();
    RejectIndexTable(st->relname, opts);
    st->table = opts->table;
    st->batch_size = opts->batch_size > 0 ? opts->batch_size : (int)dynamo::kBatchWriteLimit;
    st->write_concurrency = opts->write_concurrency > 0 ? opts->write_concurrency : 1;
    st->estate = estate;
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, ft->serverid, userid, st->table);

    st->cxt =
        AllocSetContextCreate(estate->es_query_cxt, "DynamoDB modify", ALLOCSET_DEFAULT_SIZES);
    st->row_cxt = AllocSetContextCreate(st->cxt, "DynamoDB modify row", ALLOCSET_DEFAULT_SIZES);
    RunCpp([&] {
        st->rt = new ModifyRuntime();
        st->rt->desc = *desc;
        st->rt->batch.SetKey(*desc);
        st->rt->request.table = st->table;
    });
    MemoryContextCallback *cb =
        (MemoryContextCallback *)MemoryContextAlloc(st->cxt, sizeof(MemoryContextCallback));
    cb->func = FreeRuntime;
    cb->arg = st;
    MemoryContextRegisterResetCallback(st->cxt, cb);
    if (!explain_only) {
        DynamoShareClient(ft->serverid, userid, &st->rt->client);
        RunCpp([&] {
            WriteCounts(*st->rt, st->rt->requests_at_start, st->rt->retries_at_start);
            st->rt->write_units_at_start = st->rt->client->stats().write_units;
            st->rt->wait_ms_at_start = st->rt->client->stats().capacity_wait_ms;
        });
    }

    ModifyRuntime *rt = st->rt;
    st->cx.relname = st->relname;
    st->cx.dynamo_table = st->table;
    st->cx.desc = &rt->desc;
    st->cx.buf = &rt->buf;
    DynamoInitColumns(rel, &st->cx);
    st->has_range = rt->desc.has_range;
    st->key_index[0] = st->key_index[1] = -1;
    st->columns = (WriteColumn *)palloc0(sizeof(WriteColumn) * (st->cx.ncolumns + 1));
    for (int i = 0; i < st->cx.ncolumns; i++) {
        WriteColumn *wc = &st->columns[i];
        DynamoColumn *col = &st->cx.columns[i];
        if (OidIsValid(get_element_type(col->typid)))
            col->array_type = DynamoColumnArrayType(relid, col->attnum);
        wc->col = col;
        wc->role = KeyNone;
        if (rt->desc.hash.name == col->name) {
            wc->role = KeyPartition;
            wc->key_type = rt->desc.hash.type;
            st->key_index[0] = i;
        } else if (rt->desc.has_range && rt->desc.range.name == col->name) {
            wc->role = KeySort;
            wc->key_type = rt->desc.range.type;
            st->key_index[1] = i;
        } else {
            for (const dynamo::IndexDescription &ix : rt->desc.indexes) {
                if (ix.hash.name == col->name) {
                    wc->role = KeyIndex;
                    wc->key_type = ix.hash.type;
                } else if (ix.has_range && ix.range.name == col->name) {
                    wc->role = KeyIndex;
                    wc->key_type = ix.range.type;
                }
            }
        }
        wc->spread = wc->role == KeyNone && WritesAsCatchAll(relid, col);
    }
    return st;
}

WriteColumn *ColumnByAttnum(DynamoModifyState *st, AttrNumber attnum) {
    for (int i = 0; i < st->cx.ncolumns; i++)
        if (st->columns[i].col->attnum == attnum)
            return &st->columns[i];
    return NULL;
}

void BeginRow(DynamoModifyState *st, RowContext *rc) {
    MemoryContextReset(st->row_cxt);
    rc->old = MemoryContextSwitchTo(st->row_cxt);
    RunCpp([&] { st->rt->request.item.clear(); });
    rc->errcb.callback = WriteErrorCallback;
    rc->errcb.arg = st;
    rc->errcb.previous = error_context_stack;
    error_context_stack = &rc->errcb;
}

void EndRow(RowContext *rc) {
    error_context_stack = rc->errcb.previous;
    MemoryContextSwitchTo(rc->old);
}

// Makes rt->value fit a key attribute's declared type: a text column holds the digits of an N
// key and the base64 of a B key. Empty strings and binaries cannot be key values.
void FitKeyType(DynamoModifyState *st, const WriteColumn *wc) {
    DynamoCoerceKeyValue(&st->rt->value, wc->key_type, wc->col->name, RoleName(wc->role),
                         st->relname, st->table, wc->col->typid);
}

// Converts one non-NULL value of column wc (of type typid) into rt->value.
void ColumnValue(DynamoModifyState *st, const WriteColumn *wc, Datum value, Oid typid) {
    DynamoDatumToAttribute(value, typid, wc->col->array_type, &st->rt->value, wc->col->name,
                           st->relname);
    if (wc->role != KeyNone)
        FitKeyType(st, wc);
}

// Appends rt->value to the row's item as the attribute of column wc.
void AppendValue(DynamoModifyState *st, const WriteColumn *wc) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] { rt->request.item.emplace_back(wc->col->name, std::move(rt->value)); });
}

void CheckCatchAll(DynamoModifyState *st, const WriteColumn *wc, const dynamo::Item *item) {
    ModifyRuntime *rt = st->rt;
    dynamo::CatchAllProblem result = dynamo::CatchAllProblem::None;
    RunCpp([&] {
        result = dynamo::CheckCatchAllMembers(
            rt->value, [st](const std::string &name) { return IsColumnName(st, name); }, item,
            rt->buf);
    });
    if (result == dynamo::CatchAllProblem::NotObject)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("catch-all column \"%s\" of foreign table \"%s\" must hold a JSON "
                               "object",
                               wc->col->name, st->relname),
                        errdetail("Its members are written as the item's attributes.")));
    if (result == dynamo::CatchAllProblem::ColumnToo)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                        errmsg("catch-all column \"%s\" of foreign table \"%s\" holds the "
                               "attribute \"%s\", which is a column of its own",
                               wc->col->name, st->relname, rt->buf.c_str()),
                        errhint("Set the attribute through its column.")));
    if (result == dynamo::CatchAllProblem::Twice)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                        errmsg("attribute \"%s\" is given twice in a row of foreign table \"%s\"",
                               rt->buf.c_str(), st->relname)));
}

void Report(DynamoModifyState *st) {
    ReportClientError(&st->rt->error, st->relname, st->table);
}

// The returned item (ReturnValues) as the slot's row.
TupleTableSlot *StoreReturned(DynamoModifyState *st, TupleTableSlot *slot) {
    ExecClearTuple(slot);
    DynamoItemToTuple(&st->cx, &st->rt->returned, slot->tts_values, slot->tts_isnull);
    return ExecStoreVirtualTuple(slot);
}

// One single-item write; false when its condition failed (no such item, or one already there).
bool SendSingle(DynamoModifyState *st, const char *operation) {
    if (st->defer)
        return KeepWrite(st, operation);
    ModifyRuntime *rt = st->rt;
    bool ok = false, failed = false;
    RunCpp([&] {
        if (strcmp(operation, "PutItem") == 0)
            rt->error = rt->client->PutItem(rt->request, failed, DynamoAbortRequested);
        else if (strcmp(operation, "UpdateItem") == 0)
            rt->error =
                rt->client->UpdateItem(rt->request, failed, rt->returned, DynamoAbortRequested);
        else
            rt->error =
                rt->client->DeleteItem(rt->request, failed, rt->returned, DynamoAbortRequested);
        ok = rt->error.ok();
    });
    if (!ok)
        Report(st);
    if (failed)
        st->condition_failures++;
    return !failed;
}

// Reads the item of the request's key, strongly consistent, into rt->returned; false when
// there is none.
bool ReadCurrentItem(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    bool found = false, ok = false;
    RunCpp([&] {
        dynamo::ReadRequest get;
        get.table = rt->request.table;
        get.consistent_read = true;
        rt->error =
            rt->client->GetItem(get, rt->request.item, found, rt->returned, DynamoAbortRequested);
        ok = rt->error.ok();
    });
    if (!ok)
        Report(st);
    return found;
}

// An attribute name as EXPLAIN shows it (as the read side does): bare when it is a plain
// identifier, otherwise as a JSON string.
const char *ShownName(const char *name) {
    bool plain = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *p = name; *p && plain; p++)
        plain = isalnum((unsigned char)*p) || *p == '_';
    if (plain)
        return name;
    StringInfoData buf;
    initStringInfo(&buf);
    escape_json(&buf, name);
    return buf.data;
}

}  // namespace dynamo_write
