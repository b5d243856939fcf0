// Writes: INSERT (PutItem, or BatchWriteItem for batches), UPDATE (UpdateItem), DELETE
// (DeleteItem, or BatchWriteItem when no row is returned), the row identity (the table's full
// primary key), UPDATE and DELETE whose WHERE fixes the whole key (one request, nothing read
// first), and EXPLAIN of all of them.
#include "client/expression.hpp"
#include "fdw/deparse.hpp"
#include "fdw/dynamodb_fdw.hpp"
#include "fdw/type_mapping.hpp"

#include <map>
#include <string>
#include <vector>

extern "C" {
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"
}

#if PG_VERSION_NUM < 140000
#error "the write path needs PostgreSQL 14 or later (add_row_identity_var, batch insert)"
#endif

namespace {

// fdw_private of a ModifyTable's foreign table (PlanForeignModify); every slot a copyable Node.
enum FdwModifyPrivateIndex {
    FdwModifyPrivateOnConflict,  // Integer (0/1): INSERT ... ON CONFLICT DO NOTHING
    FdwModifyPrivateSingleRow,   // Integer (0/1): INSERT of exactly one VALUES row
    FdwModifyPrivateReturning,   // Integer (0/1): the statement has RETURNING
};

// fdw_private of a ForeignScan that runs an UPDATE or DELETE as one request (PlanDirectModify).
// fdw_exprs holds the key values (in FdwDirectPrivateKeyAttrs order), then the assigned values
// (in FdwDirectPrivateSetAttrs order).
enum FdwDirectPrivateIndex {
    FdwDirectPrivateKeyAttrs,   // List of Integer: attnums of the key columns
    FdwDirectPrivateSetAttrs,   // List of Integer: attnums of the assigned columns (UPDATE)
    FdwDirectPrivateKeyText,    // String: the key condition (EXPLAIN)
    FdwDirectPrivateSetText,    // String: the update expression (EXPLAIN)
    FdwDirectPrivateSetTag,     // Integer (0/1): the statement's row count includes these rows
    FdwDirectPrivateSetKinds,   // List of Integer: DirectSetKind per assigned column
    FdwDirectPrivateCondition,  // String: JSON of the WHERE clause's other conditions, or ""
};

// How a direct UPDATE assigns a column: a value, or arithmetic DynamoDB computes from the item
// (col + delta, col - delta; DIRECT_SET_START: coalesce(col, start) + delta). fdw_exprs holds the
// value or delta in FdwDirectPrivateSetAttrs order, then the starts, in the same order.
enum DirectSetKind { DIRECT_SET_VALUE = 0, DIRECT_SET_ADD = 1, DIRECT_SET_SUBTRACT = 2 };
constexpr int DIRECT_SET_START = 4;

enum KeyRole { KeyNone, KeyPartition, KeySort, KeyIndex };

// How one column writes.
struct WriteColumn {
    const DynamoColumn *col;
    KeyRole role;
    dynamo::AttrType key_type;  // S, N or B for key columns
    bool spread;                // the catch-all: its members are written as top-level attributes
};

// C++ state of a write, heap-owned and freed by the reset callback of the write's context.
struct ModifyRuntime {
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::TableDescription desc;
    dynamo::WriteRequest request;           // request.item: the row's item (INSERT) or key
    dynamo::Item set;                       // UPDATE: attributes to SET
    std::vector<std::string> remove;        // UPDATE: attributes to REMOVE
    std::vector<dynamo::Arithmetic> arith;  // direct UPDATE: attributes DynamoDB computes
    dynamo::Condition also;                 // direct UPDATE, DELETE: the WHERE's conditions
    std::vector<std::pair<std::string, dynamo::AttributeValue>> expected;  // what was read
    dynamo::AttributeValue value;               // the column value being converted
    dynamo::AttributeValue old_value;           // UPDATE: the catch-all before the update
    dynamo::Item returned;                      // ReturnValues of the last request
    std::vector<dynamo::BatchWrite> batch;      // writes waiting for a BatchWriteItem
    std::map<std::string, size_t> batch_index;  // key -> position in batch
    dynamo::Error error;
    std::string buf;  // conversion scratch, message text
    // The client's write requests and retries when the write began (for EXPLAIN ANALYZE).
    int64_t requests_at_start = 0;
    int64_t retries_at_start = 0;
};

struct DynamoModifyState {
    Relation rel;
    char *relname;
    char *table;
    CmdType operation;
    MemoryContext cxt;      // owns rt (reset callback)
    MemoryContext row_cxt;  // reset for every row
    ModifyRuntime *rt;
    DynamoConvertContext cx;
    WriteColumn *columns;  // parallel to cx.columns
    int key_index[2];      // index in columns of the partition and sort key, -1 if undeclared
    bool has_range;
    bool on_conflict_nothing;
    bool single_row;
    bool has_returning;
    int batch_size;      // INSERT: rows per BatchWriteItem
    bool batch_deletes;  // DELETE: deletes collected into BatchWriteItem requests
    Bitmapset *targets;  // UPDATE: assigned columns (attnum - FirstLowInvalidHeapAttributeNumber)
    AttrNumber key_junk[2];  // UPDATE, DELETE: junk columns of the key in the subplan's output
    int nread;               // UPDATE: columns whose values as read the write expects
    AttrNumber *read_attnum;
    AttrNumber *read_junk;
    // direct modify
    List *key_exprs;  // ExprState per key column
    List *set_exprs;  // ExprState per assigned column
    List *key_attrs;
    List *set_attrs;
    List *set_kinds;    // DirectSetKind per assigned column
    List *start_exprs;  // ExprState per DIRECT_SET_START column
    int64_t rereads;    // direct UPDATE: items read again because DynamoDB could not compute
    bool set_tag;
    bool done;
};

// --- shared helpers ---

void FreeRuntime(void *arg) {
    DynamoModifyState *st = static_cast<DynamoModifyState *>(arg);
    delete st->rt;
    st->rt = nullptr;
}

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

const char *RoleName(KeyRole role) {
    switch (role) {
        case KeyPartition:
            return "partition key";
        case KeySort:
            return "sort key";
        case KeyIndex:
            return "index key";
        default:
            return "attribute";
    }
}

// Name of the row identity column that carries key column `attnum`.
char *KeyJunkName(AttrNumber attnum, Oid typid) {
    return psprintf("dynamodb_key_%d_%u", attnum, typid);
}

// The client's write requests and retries so far (reads the statement makes through the same
// client are counted by its scan).
char *ReadJunkName(AttrNumber attnum) {
    return psprintf("dynamodb_read_%d", attnum);
}

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

// EXPLAIN ANALYZE: the write requests the statement sent, and how many were retries.
void ExplainWriteCounts(DynamoModifyState *st, ExplainState *es) {
    if (!es->analyze || st->rt == NULL || !st->rt->client)
        return;
    int64_t requests = 0, retries = 0;
    RunCpp([&] {
        WriteCounts(*st->rt, requests, retries);
        requests -= st->rt->requests_at_start;
        retries -= st->rt->retries_at_start;
    });
    ExplainPropertyInteger("DynamoDB Requests", NULL, requests, es);
    ExplainPropertyInteger("DynamoDB Retries", NULL, retries, es);
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
    RejectIndexTable(st->relname, opts);
    st->table = opts->table;
    st->batch_size = opts->batch_size > 0 ? opts->batch_size : (int)dynamo::kBatchWriteLimit;
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, ft->serverid, userid, st->table);

    st->cxt =
        AllocSetContextCreate(estate->es_query_cxt, "DynamoDB modify", ALLOCSET_DEFAULT_SIZES);
    st->row_cxt = AllocSetContextCreate(st->cxt, "DynamoDB modify row", ALLOCSET_DEFAULT_SIZES);
    RunCpp([&] {
        st->rt = new ModifyRuntime();
        st->rt->desc = *desc;
        st->rt->request.table = st->table;
    });
    MemoryContextCallback *cb =
        (MemoryContextCallback *)MemoryContextAlloc(st->cxt, sizeof(MemoryContextCallback));
    cb->func = FreeRuntime;
    cb->arg = st;
    MemoryContextRegisterResetCallback(st->cxt, cb);
    if (!explain_only) {
        DynamoShareClient(ft->serverid, userid, &st->rt->client);
        RunCpp([&] { WriteCounts(*st->rt, st->rt->requests_at_start, st->rt->retries_at_start); });
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

struct RowContext {
    ErrorContextCallback errcb;
    MemoryContext old;
};

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

// Whether a declared column names the attribute.
bool IsColumnName(DynamoModifyState *st, const std::string &name) {
    for (int i = 0; i < st->cx.ncolumns; i++)
        if (name == st->cx.columns[i].name)
            return true;
    return false;
}

// Checks that rt->value, the catch-all column's value, is an object whose members no declared
// column names and that `item` does not have yet.
void CheckCatchAll(DynamoModifyState *st, const WriteColumn *wc, const dynamo::Item *item) {
    ModifyRuntime *rt = st->rt;
    enum { Ok, NotObject, ColumnToo, Twice } result = Ok;
    RunCpp([&] {
        if (rt->value.type != dynamo::AttrType::M) {
            result = NotObject;
            return;
        }
        for (const auto &m : rt->value.map) {
            if (IsColumnName(st, m.first))
                result = ColumnToo;
            else if (item != nullptr && dynamo::FindAttribute(*item, m.first) != nullptr)
                result = Twice;
            if (result != Ok) {
                rt->buf = m.first;
                return;
            }
        }
    });
    if (result == NotObject)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("catch-all column \"%s\" of foreign table \"%s\" must hold a JSON "
                               "object",
                               wc->col->name, st->relname),
                        errdetail("Its members are written as the item's attributes.")));
    if (result == ColumnToo)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                        errmsg("catch-all column \"%s\" of foreign table \"%s\" holds the "
                               "attribute \"%s\", which is a column of its own",
                               wc->col->name, st->relname, rt->buf.c_str()),
                        errhint("Set the attribute through its column.")));
    if (result == Twice)
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                        errmsg("attribute \"%s\" is given twice in a row of foreign table \"%s\"",
                               rt->buf.c_str(), st->relname)));
}

// rt->request.item becomes the slot's row: every non-NULL column, keys first, the catch-all's
// members as attributes. Then checks the item has its key and fits DynamoDB's size limit.
void RowToItem(DynamoModifyState *st, TupleTableSlot *slot) {
    ModifyRuntime *rt = st->rt;
    slot_getallattrs(slot);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < st->cx.ncolumns; i++) {
            const WriteColumn *wc = &st->columns[i];
            bool is_key = wc->role == KeyPartition || wc->role == KeySort;
            if (is_key != (pass == 0))
                continue;
            int idx = wc->col->attnum - 1;
            if (slot->tts_isnull[idx])
                continue;
            ColumnValue(st, wc, slot->tts_values[idx], wc->col->typid);
            if (!wc->spread) {
                AppendValue(st, wc);
                continue;
            }
            CheckCatchAll(st, wc, &rt->request.item);
            RunCpp([&] {
                for (auto &m : rt->value.map)
                    rt->request.item.push_back(std::move(m));
            });
        }
    }

    // The key: present (a catch-all may carry it when the table declares no key column).
    const char *missing = NULL;
    KeyRole missing_role = KeyNone;
    size_t size = 0;
    RunCpp([&] {
        const dynamo::TableDescription &d = rt->desc;
        if (dynamo::FindAttribute(rt->request.item, d.hash.name) == nullptr) {
            missing = d.hash.name.c_str();
            missing_role = KeyPartition;
        } else if (d.has_range &&
                   dynamo::FindAttribute(rt->request.item, d.range.name) == nullptr) {
            missing = d.range.name.c_str();
            missing_role = KeySort;
        }
        size = dynamo::ItemSize(rt->request.item);
    });
    if (missing != NULL)
        ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
                        errmsg("a row of foreign table \"%s\" has no value for the %s \"%s\"",
                               st->relname, RoleName(missing_role), missing),
                        errdetail("Every item of DynamoDB table \"%s\" needs its full primary key.",
                                  st->table)));
    if (size > dynamo::kItemSizeLimit) {
        char key[256];
        DynamoItemKeyText(&st->cx, &rt->request.item, key, sizeof(key));
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("item %s of foreign table \"%s\" is too large for DynamoDB", key,
                               st->relname),
                        errdetail("Its size is about %zu bytes; DynamoDB allows %zu bytes (400 "
                                  "KB) per item, attribute names included.",
                                  size, dynamo::kItemSizeLimit)));
    }
}

// rt->request.item becomes the row's key, from the key columns' values in the subplan's row
// (the row identity).
void KeyFromJunk(DynamoModifyState *st, TupleTableSlot *planSlot) {
    int nkeys = st->has_range ? 2 : 1;
    for (int k = 0; k < nkeys; k++) {
        const WriteColumn *wc = &st->columns[st->key_index[k]];
        bool isnull;
        Datum d = ExecGetJunkAttribute(planSlot, st->key_junk[k], &isnull);
        if (isnull)
            elog(ERROR, "key column \"%s\" of a row to change is NULL", wc->col->name);
        ColumnValue(st, wc, d, wc->col->typid);
        AppendValue(st, wc);
    }
}

void Report(DynamoModifyState *st) {
    ReportClientError(&st->rt->error, st->relname, st->table);
}

// Sends a BatchWriteItem of the collected writes (a single write goes as PutItem/DeleteItem).
void FlushBatch(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    bool empty = false, ok = false;
    int unwritten = 0;
    RunCpp([&] {
        empty = rt->batch.empty();
        if (empty)
            return;
        rt->batch_index.clear();
        if (rt->batch.size() == 1) {
            dynamo::WriteRequest r;
            r.table = rt->request.table;
            r.item = std::move(rt->batch[0].item);
            bool failed = false;
            rt->error = rt->batch[0].is_delete
                            ? rt->client->DeleteItem(r, failed, rt->returned, DynamoAbortRequested)
                            : rt->client->PutItem(r, failed, DynamoAbortRequested);
            ok = rt->error.ok();
            if (ok)
                rt->batch.clear();
            return;
        }
        rt->error = rt->client->BatchWriteItem(rt->request.table, rt->batch, DynamoAbortRequested);
        ok = rt->error.ok();
        if (ok || rt->error.type != "UnprocessedItems") {
            rt->batch.clear();
            return;
        }
        // The message: how many, and which keys (the first ten).
        unwritten = (int)rt->batch.size();
        const dynamo::TableDescription &d = rt->desc;
        rt->buf.clear();
        for (size_t i = 0; i < rt->batch.size() && i < 10; i++) {
            if (i > 0)
                rt->buf += ", ";
            dynamo::AppendItemPlainJson(rt->buf, rt->batch[i].item, [&d](const std::string &n) {
                return n == d.hash.name || (d.has_range && n == d.range.name);
            });
        }
        if (rt->batch.size() > 10)
            rt->buf += ", ...";
    });
    if (empty || ok)
        return;
    if (unwritten > 0)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_ERROR),
                 errmsg("%d item%s not written to DynamoDB table \"%s\"", unwritten,
                        unwritten == 1 ? " was" : "s were", st->table),
                 errdetail("DynamoDB left them unprocessed through %d BatchWriteItem attempts: "
                           "%s.",
                           rt->error.attempts, rt->buf.c_str()),
                 errhint("The table's write capacity is exhausted; raise it, or raise the "
                         "server's max_attempts.")));
    Report(st);
}

// Adds rt->request.item to the batch (a later write of the same key replaces the earlier one,
// as it would have in separate requests), and sends the batch when it is full.
void AddToBatch(DynamoModifyState *st, bool is_delete, int limit) {
    ModifyRuntime *rt = st->rt;
    bool full = false;
    RunCpp([&] {
        const dynamo::TableDescription &d = rt->desc;
        std::string id;
        for (const std::string *name : {&d.hash.name, d.has_range ? &d.range.name : nullptr}) {
            if (name == nullptr)
                continue;
            const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->request.item, *name);
            id += dynamo::AttrTypeName(v->type);
            id += ':';
            std::string text = v->type == dynamo::AttrType::N ? dynamo::NumberKey(v->str) : v->str;
            id += std::to_string(text.size());
            id += ':';
            id += text;
        }
        dynamo::BatchWrite bw;
        bw.is_delete = is_delete;
        bw.item = std::move(rt->request.item);
        auto found = rt->batch_index.find(id);
        if (found != rt->batch_index.end()) {
            rt->batch[found->second] = std::move(bw);
        } else {
            rt->batch_index.emplace(std::move(id), rt->batch.size());
            rt->batch.push_back(std::move(bw));
        }
        full = rt->batch.size() >= (size_t)limit;
    });
    if (full)
        FlushBatch(st);
}

// The returned item (ReturnValues) as the slot's row.
TupleTableSlot *StoreReturned(DynamoModifyState *st, TupleTableSlot *slot) {
    ExecClearTuple(slot);
    DynamoItemToTuple(&st->cx, &st->rt->returned, slot->tts_values, slot->tts_isnull);
    return ExecStoreVirtualTuple(slot);
}

// One single-item write; false when its condition failed (no such item, or one already there).
bool SendSingle(DynamoModifyState *st, const char *operation) {
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
    return !failed;
}

// The number text of `a op b` (op '+' or '-'), computed exactly with numeric, palloc'd.
char *NumberArithmetic(const char *a, const char *b, bool subtract) {
    Datum x = DirectFunctionCall3(numeric_in, CStringGetDatum(a), ObjectIdGetDatum(InvalidOid),
                                  Int32GetDatum(-1));
    Datum y = DirectFunctionCall3(numeric_in, CStringGetDatum(b), ObjectIdGetDatum(InvalidOid),
                                  Int32GetDatum(-1));
    Datum r = DirectFunctionCall2(subtract ? numeric_sub : numeric_add, x, y);
    return DatumGetCString(DirectFunctionCall1(numeric_out, r));
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

// Whether the item still holds the values a read-then-write expected (read again); false also
// when it is gone.
bool ExpectedStillHeld(DynamoModifyState *st) {
    if (!ReadCurrentItem(st))
        return false;
    ModifyRuntime *rt = st->rt;
    bool same = true;
    RunCpp([&] {
        for (const auto &e : rt->expected) {
            const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, e.first);
            bool absent = v == nullptr || v->type == dynamo::AttrType::NUL;
            if (e.second.type == dynamo::AttrType::NUL ? !absent : (absent || !(*v == e.second)))
                same = false;
        }
    });
    return same;
}

// A direct UPDATE: one UpdateItem in which DynamoDB computes the arithmetic assignments. When an
// arithmetic attribute is absent, NULL or not a number, DynamoDB cannot compute what SQL would:
// the item is read (strongly consistent), the new values computed here, and written on the
// condition that the item still holds what was read; a change in between starts again, and
// after a few rounds the statement fails with a serialization failure. False when there is no
// item.
bool SendUpdateWithArithmetic(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        dynamo::UpdateSpec spec;
        spec.set = rt->set;
        spec.arith = rt->arith;
        spec.remove = rt->remove;
        spec.also = rt->also;
        dynamo::BuildUpdateSpec(spec, rt->desc.hash.name, rt->request);
        rt->request.return_values = st->has_returning;
    });
    bool written = SendSingle(st, "UpdateItem");
    bool plain = false;
    RunCpp([&] { plain = rt->arith.empty(); });
    if (written || plain)
        return written;

    const int kRounds = 10;
    for (int round = 0; round < kRounds; round++) {
        CHECK_FOR_INTERRUPTS();
        st->rereads++;
        if (!ReadCurrentItem(st))
            return false;
        // When DynamoDB can compute from the item as it is now (another session wrote a number
        // meanwhile), it does: that cannot lose a concurrent change.
        bool computable = true;
        RunCpp([&] {
            for (const dynamo::Arithmetic &a : rt->arith) {
                const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, a.attr);
                bool number = v != nullptr && v->type == dynamo::AttrType::N;
                computable = computable && (number || (v == nullptr && a.has_start));
            }
            if (computable) {
                rt->expected.clear();
                for (const dynamo::Arithmetic &a : rt->arith) {
                    const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, a.attr);
                    rt->expected.emplace_back(a.attr, v ? *v : dynamo::AttributeValue());
                }
                dynamo::UpdateSpec spec;
                spec.set = rt->set;
                spec.arith = rt->arith;
                spec.remove = rt->remove;
                spec.also = rt->also;
                dynamo::BuildUpdateSpec(spec, rt->desc.hash.name, rt->request);
                rt->request.return_values = st->has_returning;
            }
        });
        if (computable) {
            if (SendSingle(st, "UpdateItem"))
                return true;
            // Refused with the numbers unchanged: the WHERE clause's conditions do not hold.
            bool has_also = false;
            RunCpp([&] { has_also = !rt->also.IsTrue(); });
            if (has_also && ExpectedStillHeld(st))
                return false;
            continue;
        }
        // What SQL computes from the item as it is now.
        int n = 0;
        RunCpp([&] { n = (int)rt->arith.size(); });
        dynamo::UpdateSpec *spec = NULL;
        RunCpp([&] {
            spec = new dynamo::UpdateSpec();
            spec->set = rt->set;
            spec->remove = rt->remove;
            spec->also = rt->also;
        });
        for (int i = 0; i < n; i++) {
            const char *attr = NULL;
            const dynamo::AttributeValue *old = NULL;
            dynamo::Arithmetic *a = NULL;
            RunCpp([&] {
                a = &rt->arith[(size_t)i];
                attr = a->attr.c_str();
                old = dynamo::FindAttribute(rt->returned, a->attr);
            });
            bool absent = old == NULL || old->type == dynamo::AttrType::NUL;
            if (!absent && old->type != dynamo::AttrType::N) {
                RunCpp([&] { delete spec; });
                ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
                                errmsg("DynamoDB attribute \"%s\" of type %s cannot be read as a "
                                       "number",
                                       attr, dynamo::AttrTypeName(old->type)),
                                errcontext("UPDATE of foreign table \"%s\"", st->relname)));
            }
            const char *base = !absent        ? old->str.c_str()
                               : a->has_start ? a->start.str.c_str()
                                              : NULL;
            if (base != NULL) {
                char *result = NumberArithmetic(base, a->delta.str.c_str(), a->subtract);
                RunCpp([&] {
                    spec->set.emplace_back(a->attr, dynamo::AttributeValue::Number(result));
                });
            } else {
                RunCpp([&] { spec->remove.emplace_back(a->attr); });  // NULL + c is NULL
            }
            RunCpp([&] {
                spec->expect.emplace_back(a->attr, absent ? dynamo::AttributeValue() : *old);
            });
        }
        RunCpp([&] {
            dynamo::BuildUpdateSpec(*spec, rt->desc.hash.name, rt->request);
            rt->request.return_values = st->has_returning;
            rt->expected = std::move(spec->expect);
            delete spec;
        });
        if (SendSingle(st, "UpdateItem"))
            return true;
        // Refused: because the item changed (read it again), or because the WHERE clause's
        // conditions do not hold (UPDATE 0) or the item is gone.
        bool has_also = false;
        RunCpp([&] { has_also = !rt->also.IsTrue(); });
        if (has_also && !ExpectedStillHeld(st))
            continue;
        if (has_also)
            return false;
    }
    ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                    errmsg("could not serialize access due to concurrent update"),
                    errdetail("The item of DynamoDB table \"%s\" changed %d times while it was "
                              "being updated.",
                              st->table, kRounds),
                    errcontext("UPDATE of foreign table \"%s\"", st->relname)));
    return false;
}

// UPDATE: the catch-all's new members become SETs where they changed, and the old members it no
// longer has become REMOVEs. rt->value holds the new object (or is NULL-typed for SQL NULL).
void DiffCatchAll(DynamoModifyState *st, const WriteColumn *wc, Datum old, bool old_isnull) {
    ModifyRuntime *rt = st->rt;
    if (rt->value.type != dynamo::AttrType::NUL)
        CheckCatchAll(st, wc, NULL);
    // The old object, converted into old_value (through rt->value, which is then restored).
    RunCpp([&] { std::swap(rt->value, rt->old_value); });
    if (old_isnull)
        RunCpp([&] { rt->value = dynamo::AttributeValue(); });
    else
        DynamoDatumToAttribute(old, wc->col->typid, DYNAMO_ARRAY_AUTO, &rt->value, wc->col->name,
                               st->relname);
    RunCpp([&] {
        std::swap(rt->value, rt->old_value);
        static const std::vector<std::pair<std::string, dynamo::AttributeValue>> none;
        const auto &now = rt->value.type == dynamo::AttrType::M ? rt->value.map : none;
        const auto &before = rt->old_value.type == dynamo::AttrType::M ? rt->old_value.map : none;
        for (const auto &m : now) {
            const dynamo::AttributeValue *prev = nullptr;
            for (const auto &b : before)
                if (b.first == m.first)
                    prev = &b.second;
            if (prev == nullptr || *prev != m.second)
                rt->set.push_back(m);
        }
        for (const auto &b : before) {
            bool kept = false;
            for (const auto &m : now)
                kept = kept || m.first == b.first;
            if (!kept)
                rt->remove.push_back(b.first);
        }
    });
}

// Raises the error for an UPDATE that changes a key column.
void KeyChangeError(DynamoModifyState *st, const WriteColumn *wc) {
    ereport(
        ERROR,
        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
         errmsg("cannot change column \"%s\" of foreign table \"%s\"", wc->col->name, st->relname),
         errdetail("\"%s\" is the %s of DynamoDB table \"%s\", and DynamoDB cannot change an "
                   "item's key.",
                   wc->col->name, RoleName(wc->role), st->table),
         errhint("DELETE the item and INSERT it with the new key.")));
}

// Whether the batch insert path is usable for this relation.
int BatchSizeFor(DynamoModifyState *st, ResultRelInfo *rinfo) {
    if (st == NULL || st->on_conflict_nothing || rinfo->ri_projectReturning != NULL ||
        rinfo->ri_WithCheckOptions != NIL ||
        (rinfo->ri_TrigDesc != NULL &&
         (rinfo->ri_TrigDesc->trig_insert_before_row || rinfo->ri_TrigDesc->trig_insert_after_row)))
        return 1;
    return st->batch_size;
}

// Key columns of the rel for the planner: attnums of the partition and sort key columns, with
// an error when one is not declared. Returns the number of key columns.
int PlannerKeyColumns(Relation rel, Oid userid, AttrNumber *attnums) {
    Oid relid = RelationGetRelid(rel);
    const char *relname = RelationGetRelationName(rel);
    ForeignTable *ft = GetForeignTable(relid);
    DynamoOptions *opts = DynamoGetOptions(ft->serverid, userid, relid);
    RejectIndexTable(relname, opts);
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, ft->serverid, userid, opts->table);
    const char *hash = desc->hash.name.c_str();
    if (opts->rowid_column != NULL && strcmp(opts->rowid_column, hash) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                 errmsg("option \"rowid_column\" of foreign table \"%s\" names \"%s\", which is "
                        "not the partition key of DynamoDB table \"%s\"",
                        relname, opts->rowid_column, opts->table),
                 errhint("Set rowid_column to \"%s\", or drop the option: the key is read from "
                         "DescribeTable.",
                         hash)));
    int n = desc->has_range ? 2 : 1;
    for (int k = 0; k < n; k++) {
        const char *name = k == 0 ? hash : desc->range.name.c_str();
        attnums[k] = ColumnNamed(RelationGetDescr(rel), name);
        if (attnums[k] == InvalidAttrNumber)
            ereport(ERROR,
                    (errcode(ERRCODE_UNDEFINED_COLUMN),
                     errmsg("foreign table \"%s\" has no column for the %s \"%s\" of DynamoDB "
                            "table \"%s\"",
                            relname, k == 0 ? "partition key" : "sort key", name, opts->table),
                     errhint("UPDATE and DELETE find an item by its full primary key; declare a "
                             "column named \"%s\".",
                             name)));
    }
    return n;
}

Oid PlannerUser(RangeTblEntry *rte) {
#if PG_VERSION_NUM >= 160000
    (void)rte;
    return GetUserId();
#else
    return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

// An UPDATE may assign a key column only itself (SET id = id); anything else is an error, also
// when no row matches.
void CheckKeyAssignments(PlannerInfo *root, Index rtindex, Relation rel, AttrNumber *keys,
                         int nkeys, List **tlist, List **colnos) {
    get_translated_update_targetlist(root, rtindex, tlist, colnos);
    ListCell *lc, *lc2;
    forboth(lc, *tlist, lc2, *colnos) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        AttrNumber attno = lfirst_int(lc2);
        for (int k = 0; k < nkeys; k++) {
            if (attno != keys[k])
                continue;
            Expr *e = tle->expr;
            while (IsA(e, RelabelType))
                e = ((RelabelType *)e)->arg;
            if (IsA(e, Var) && ((Var *)e)->varno == (int)rtindex && ((Var *)e)->varattno == attno &&
                ((Var *)e)->varlevelsup == 0)
                continue;
            const char *name = NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname);
            ereport(ERROR,
                    (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                     errmsg("cannot change column \"%s\" of foreign table \"%s\"", name,
                            RelationGetRelationName(rel)),
                     errdetail("\"%s\" is the %s of the DynamoDB table, and DynamoDB cannot change "
                               "an item's key.",
                               name, k == 0 ? "partition key" : "sort key"),
                     errhint("DELETE the item and INSERT it with the new key.")));
        }
    }
}

// For `keycol = value` (either side) with value a Const or Param, and an equality that means
// the same as DynamoDB's key equality, returns the key's index (0 partition, 1 sort) and the
// value; -1 otherwise.
int KeyEquality(Expr *clause, Index rtindex, Relation rel, const dynamo::TableDescription *desc,
                AttrNumber *keys, int nkeys, Expr **value) {
    if (!IsA(clause, OpExpr))
        return -1;
    OpExpr *op = (OpExpr *)clause;
    if (list_length(op->args) != 2)
        return -1;
    char *opname = get_opname(op->opno);
    if (opname == NULL || strcmp(opname, "=") != 0)
        return -1;
    if (OidIsValid(op->inputcollid) && !get_collation_isdeterministic(op->inputcollid))
        return -1;
    for (int side = 0; side < 2; side++) {
        Expr *var = (Expr *)list_nth(op->args, side);
        Expr *other = (Expr *)list_nth(op->args, 1 - side);
        while (IsA(var, RelabelType))
            var = ((RelabelType *)var)->arg;
        while (IsA(other, RelabelType))
            other = ((RelabelType *)other)->arg;
        if (!IsA(var, Var) || !(IsA(other, Const) || IsA(other, Param)))
            continue;
        Var *v = (Var *)var;
        if (v->varno != (int)rtindex || v->varlevelsup != 0)
            continue;
        for (int k = 0; k < nkeys; k++) {
            if (v->varattno != keys[k])
                continue;
            // Postgres's equality must be DynamoDB's: strings by bytes, numbers by value,
            // binaries by bytes. (A text column over an N key compares as text; a float column
            // compares after rounding.)
            dynamo::AttrType kt = k == 0 ? desc->hash.type : desc->range.type;
            Oid coltype = TupleDescAttr(RelationGetDescr(rel), v->varattno - 1)->atttypid;
            Oid valtype = exprType((Node *)other);
            bool same = false;
            switch (kt) {
                case dynamo::AttrType::S:
                    same = (coltype == TEXTOID || coltype == VARCHAROID) &&
                           (valtype == TEXTOID || valtype == VARCHAROID);
                    break;
                case dynamo::AttrType::N:
                    same = (coltype == INT2OID || coltype == INT4OID || coltype == INT8OID ||
                            coltype == NUMERICOID) &&
                           (valtype == INT2OID || valtype == INT4OID || valtype == INT8OID ||
                            valtype == NUMERICOID);
                    break;
                default:
                    same = coltype == BYTEAOID && valtype == BYTEAOID;
                    break;
            }
            if (!same)
                return -1;
            *value = other;
            return k;
        }
    }
    return -1;
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

// `name = value` as EXPLAIN shows it (as the read side does: strings quoted, numbers as
// digits, binaries as b"base64", parameters as $n), for a Const or Param value; an array as
// array_type writes it.
char *ShownEquality(const char *name, Expr *value, DynamoArrayType array_type,
                    const char *relname) {
    // Scratch value, reused.
    static dynamo::AttributeValue *scratch;
    if (scratch == nullptr)
        RunCpp([] { scratch = new dynamo::AttributeValue(); });
    int param = -1;
    if (IsA(value, Param))
        param = ((Param *)value)->paramid - 1;
    else
        DynamoDatumToAttribute(((Const *)value)->constvalue, ((Const *)value)->consttype,
                               array_type, scratch, name, relname);
    char *text = NULL;
    RunCpp([&] {
        dynamo::Operand o =
            param >= 0 ? dynamo::Operand::Param(param) : dynamo::Operand::Const(*scratch);
        std::string s = dynamo::RenderInline(
            dynamo::Condition::Compare(name, dynamo::CompareOp::Eq, std::move(o)));
        text = static_cast<char *>(malloc(s.size() + 1));
        if (text == nullptr)
            throw std::bad_alloc();
        memcpy(text, s.c_str(), s.size() + 1);
    });
    char *copy = pstrdup(text);
    free(text);
    return copy;
}

// A Const or Param, under any relabeling; NULL otherwise.
Expr *ConstOrParam(Expr *e) {
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    return IsA(e, Const) || IsA(e, Param) ? e : NULL;
}

bool IsNumericTypeOid(Oid t) {
    return t == INT2OID || t == INT4OID || t == INT8OID || t == NUMERICOID;
}

// `col + c`, `c + col`, `col - c`, or `coalesce(col, s) + c` (or `- c`), c and s Consts or
// Params, assigned to an integer or unconstrained numeric column `attno`: arithmetic DynamoDB's
// SET computes exactly as Postgres would. Returns c, or NULL.
Expr *ArithmeticOf(Expr *e, Index rti, AttrNumber attno, Form_pg_attribute att, int *kind,
                   Expr **start) {
    Oid t = att->atttypid;
    bool integer = t == INT2OID || t == INT4OID || t == INT8OID;
    if (!integer && !(t == NUMERICOID && att->atttypmod < 0))
        return NULL;
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    if (!IsA(e, OpExpr) || exprType((Node *)e) != t)
        return NULL;
    OpExpr *op = (OpExpr *)e;
    if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
        return NULL;
    const char *name = get_opname(op->opno);
    bool plus = strcmp(name, "+") == 0, minus = strcmp(name, "-") == 0;
    if (!plus && !minus)
        return NULL;
    auto is_column = [&](Expr *x, Expr **s) {
        while (IsA(x, RelabelType))
            x = ((RelabelType *)x)->arg;
        *s = NULL;
        if (IsA(x, CoalesceExpr) && list_length(((CoalesceExpr *)x)->args) == 2) {
            *s = ConstOrParam((Expr *)lsecond(((CoalesceExpr *)x)->args));
            if (*s == NULL || !IsNumericTypeOid(exprType((Node *)*s)))
                return false;
            x = (Expr *)linitial(((CoalesceExpr *)x)->args);
        }
        return IsA(x, Var) && (Index)((Var *)x)->varno == rti && ((Var *)x)->varattno == attno &&
               ((Var *)x)->varlevelsup == 0;
    };
    Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
    Expr *delta = NULL;
    if (is_column(l, start))
        delta = r;
    else if (plus && is_column(r, start))
        delta = l;
    if (delta == NULL)
        return NULL;
    delta = ConstOrParam(delta);
    if (delta == NULL || !IsNumericTypeOid(exprType((Node *)delta)))
        return NULL;
    *kind = (plus ? DIRECT_SET_ADD : DIRECT_SET_SUBTRACT) | (*start ? DIRECT_SET_START : 0);
    return delta;
}

}  // namespace

// --- planning ---

void DynamoAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
                                   Relation target_relation) {
    AttrNumber keys[2];
    int nkeys = PlannerKeyColumns(target_relation, PlannerUser(target_rte), keys);
    TupleDesc tupdesc = RelationGetDescr(target_relation);
    for (int k = 0; k < nkeys; k++) {
        Form_pg_attribute att = TupleDescAttr(tupdesc, keys[k] - 1);
        Var *var = makeVar(rtindex, keys[k], att->atttypid, att->atttypmod, att->attcollation, 0);
        add_row_identity_var(root, var, rtindex, KeyJunkName(keys[k], att->atttypid));
    }
    // UPDATE: the values the statement reads (in its SET expressions and WHERE clause) come
    // along, so that the write can require the item to still hold them.
    if (root->parse->commandType != CMD_UPDATE)
        return;
    Bitmapset *used = NULL;
    pull_varattnos((Node *)root->parse->targetList, rtindex, &used);
    pull_varattnos(root->parse->jointree->quals, rtindex, &used);
    int member = -1;
    while ((member = bms_next_member(used, member)) >= 0) {
        AttrNumber attnum = member + FirstLowInvalidHeapAttributeNumber;
        if (attnum <= 0 || attnum == keys[0] || (nkeys > 1 && attnum == keys[1]))
            continue;
        Form_pg_attribute att = TupleDescAttr(tupdesc, attnum - 1);
        // Scalars only: lists, maps and sets are not compared (see docs).
        if (att->attisdropped || att->atttypid == JSONBOID || att->atttypid == JSONOID ||
            OidIsValid(get_element_type(att->atttypid)))
            continue;
        Var *var = makeVar(rtindex, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
        add_row_identity_var(root, var, rtindex, ReadJunkName(attnum));
    }
}

List *DynamoPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                              int subplan_index) {
    RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
    Relation rel = table_open(rte->relid, NoLock);
    Oid userid = PlannerUser(rte);
    ForeignTable *ft = GetForeignTable(rte->relid);
    RejectIndexTable(RelationGetRelationName(rel),
                     DynamoGetOptions(ft->serverid, userid, rte->relid));
    if (plan->operation == CMD_UPDATE) {
        AttrNumber keys[2];
        int nkeys = PlannerKeyColumns(rel, userid, keys);
        List *tlist = NIL, *colnos = NIL;
        CheckKeyAssignments(root, resultRelation, rel, keys, nkeys, &tlist, &colnos);
    }
    table_close(rel, NoLock);

    if (plan->onConflictAction == ONCONFLICT_UPDATE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("INSERT ... ON CONFLICT DO UPDATE is not supported on DynamoDB "
                               "foreign tables")));
    bool on_conflict = plan->onConflictAction == ONCONFLICT_NOTHING;
    // One VALUES row: a Result node with no input.
    Plan *sub = outerPlan(plan);
    bool single =
        plan->operation == CMD_INSERT && sub != NULL && IsA(sub, Result) && outerPlan(sub) == NULL;
    bool returning =
        plan->returningLists != NIL && list_nth(plan->returningLists, subplan_index) != NIL;
    return list_make3(makeInteger(on_conflict ? 1 : 0), makeInteger(single ? 1 : 0),
                      makeInteger(returning ? 1 : 0));
}

int DynamoIsForeignRelUpdatable(Relation rel) {
    return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

// --- execution ---

void DynamoBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
                              int subplan_index, int eflags) {
    EState *estate = mtstate->ps.state;
    CmdType op = mtstate->operation;
    DynamoModifyState *st =
        CreateModifyState(rinfo->ri_RelationDesc, op, CheckAsUser(rinfo, estate), estate,
                          (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
    rinfo->ri_FdwState = st;
    st->on_conflict_nothing = intVal(list_nth(fdw_private, FdwModifyPrivateOnConflict)) != 0;
    st->single_row = intVal(list_nth(fdw_private, FdwModifyPrivateSingleRow)) != 0;
    // (ri_projectReturning is not built yet when this runs.)
    st->has_returning = intVal(list_nth(fdw_private, FdwModifyPrivateReturning)) != 0;
    if (st->on_conflict_nothing)
        RunCpp([&] { dynamo::BuildPutIfAbsent(st->rt->desc.hash.name, st->rt->request); });

    if (op == CMD_UPDATE || op == CMD_DELETE) {
        Plan *subplan = outerPlanState(mtstate)->plan;
        int nkeys = st->has_range ? 2 : 1;
        for (int k = 0; k < nkeys; k++) {
            // (The table was described again since planning, and its key changed.)
            if (st->key_index[k] < 0)
                ereport(ERROR, (errcode(ERRCODE_FDW_ERROR),
                                errmsg("the key of DynamoDB table \"%s\" changed since the "
                                       "statement was planned",
                                       st->table)));
            const DynamoColumn *col = st->columns[st->key_index[k]].col;
            st->key_junk[k] = ExecFindJunkAttributeInTlist(subplan->targetlist,
                                                           KeyJunkName(col->attnum, col->typid));
            if (!AttributeNumberIsValid(st->key_junk[k]))
                elog(ERROR, "could not find the key column \"%s\" in the rows to change",
                     col->name);
        }
    }
    if (op == CMD_UPDATE) {
        Plan *subplan = outerPlanState(mtstate)->plan;
        st->read_attnum =
            (AttrNumber *)MemoryContextAlloc(st->cxt, sizeof(AttrNumber) * (st->cx.ncolumns + 1));
        st->read_junk =
            (AttrNumber *)MemoryContextAlloc(st->cxt, sizeof(AttrNumber) * (st->cx.ncolumns + 1));
        for (int i = 0; i < st->cx.ncolumns; i++) {
            AttrNumber attnum = st->columns[i].col->attnum;
            AttrNumber junk =
                ExecFindJunkAttributeInTlist(subplan->targetlist, ReadJunkName(attnum));
            if (!AttributeNumberIsValid(junk))
                continue;
            st->read_attnum[st->nread] = attnum;
            st->read_junk[st->nread] = junk;
            st->nread++;
        }
    }
    if (op == CMD_UPDATE) {
        MemoryContext old = MemoryContextSwitchTo(st->cxt);
        TriggerDesc *trig = rinfo->ri_TrigDesc;
        if (trig != NULL && trig->trig_update_before_row) {
            // A trigger may change any column: every column is written.
            for (int i = 0; i < st->cx.ncolumns; i++)
                st->targets = bms_add_member(
                    st->targets, st->columns[i].col->attnum - FirstLowInvalidHeapAttributeNumber);
        } else {
            st->targets = bms_copy(ExecGetAllUpdatedCols(rinfo, estate));
        }
        MemoryContextSwitchTo(old);
    }
    // Deletes of rows the statement does not return go as BatchWriteItem requests.
    TriggerDesc *trig = rinfo->ri_TrigDesc;
    st->batch_deletes =
        op == CMD_DELETE && !st->has_returning && st->batch_size > 1 &&
        !(trig != NULL && (trig->trig_delete_before_row || trig->trig_delete_after_row));
}

void DynamoBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo) {
    EState *estate = mtstate->ps.state;
    DynamoModifyState *st = CreateModifyState(rinfo->ri_RelationDesc, CMD_INSERT,
                                              CheckAsUser(rinfo, estate), estate, false);
    rinfo->ri_FdwState = st;
    ModifyTable *plan = mtstate->ps.plan != NULL && IsA(mtstate->ps.plan, ModifyTable)
                            ? (ModifyTable *)mtstate->ps.plan
                            : NULL;
    if (plan != NULL && plan->onConflictAction == ONCONFLICT_UPDATE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("INSERT ... ON CONFLICT DO UPDATE is not supported on DynamoDB "
                               "foreign tables")));
    st->on_conflict_nothing = plan != NULL && plan->onConflictAction == ONCONFLICT_NOTHING;
    st->has_returning = rinfo->ri_returningList != NIL || rinfo->ri_projectReturning != NULL;
    if (st->on_conflict_nothing)
        RunCpp([&] { dynamo::BuildPutIfAbsent(st->rt->desc.hash.name, st->rt->request); });
}

int DynamoGetForeignModifyBatchSize(ResultRelInfo *rinfo) {
    return BatchSizeFor((DynamoModifyState *)rinfo->ri_FdwState, rinfo);
}

TupleTableSlot *DynamoExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    RowContext rc;
    BeginRow(st, &rc);
    RowToItem(st, slot);
    bool written = SendSingle(st, "PutItem");
    EndRow(&rc);
    return written ? slot : NULL;
}

TupleTableSlot **DynamoExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
                                              TupleTableSlot **slots, TupleTableSlot **planSlots,
                                              int *numSlots) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    for (int i = 0; i < *numSlots; i++) {
        RowContext rc;
        BeginRow(st, &rc);
        RowToItem(st, slots[i]);
        AddToBatch(st, false, (int)dynamo::kBatchWriteLimit);
        EndRow(&rc);
    }
    FlushBatch(st);
    return slots;
}

TupleTableSlot *DynamoExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    ModifyRuntime *rt = st->rt;
    RowContext rc;
    BeginRow(st, &rc);
    KeyFromJunk(st, planSlot);
    RunCpp([&] {
        rt->set.clear();
        rt->remove.clear();
    });
    slot_getallattrs(slot);

    // The old row, for the catch-all's members that are gone.
    HeapTupleData oldtup;
    bool have_old = false;
    if (AttributeNumberIsValid(rinfo->ri_RowIdAttNo)) {
        bool isnull;
        Datum whole = ExecGetJunkAttribute(planSlot, rinfo->ri_RowIdAttNo, &isnull);
        if (!isnull) {
            HeapTupleHeader td = DatumGetHeapTupleHeader(whole);
            oldtup.t_len = HeapTupleHeaderGetDatumLength(td);
            ItemPointerSetInvalid(&oldtup.t_self);
            oldtup.t_tableOid = RelationGetRelid(st->rel);
            oldtup.t_data = td;
            have_old = true;
        }
    }

    for (int i = 0; i < st->cx.ncolumns; i++) {
        const WriteColumn *wc = &st->columns[i];
        AttrNumber attnum = wc->col->attnum;
        if (!bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, st->targets))
            continue;
        bool isnull = slot->tts_isnull[attnum - 1];
        Datum value = slot->tts_values[attnum - 1];
        if (wc->role == KeyPartition || wc->role == KeySort) {
            // Unchanged (SET id = id, or a trigger leaving it): nothing to send.
            if (isnull)
                KeyChangeError(st, wc);
            ColumnValue(st, wc, value, wc->col->typid);
            bool same = false;
            RunCpp([&] {
                const dynamo::AttributeValue *was =
                    dynamo::FindAttribute(rt->request.item, wc->col->name);
                same = was != nullptr && *was == rt->value;
            });
            if (!same)
                KeyChangeError(st, wc);
            continue;
        }
        if (wc->spread) {
            if (isnull)
                RunCpp([&] { rt->value = dynamo::AttributeValue(); });
            else
                ColumnValue(st, wc, value, wc->col->typid);
            bool old_isnull = true;
            Datum old = have_old
                            ? heap_getattr(&oldtup, attnum, RelationGetDescr(st->rel), &old_isnull)
                            : (Datum)0;
            DiffCatchAll(st, wc, old, !have_old || old_isnull);
            continue;
        }
        if (isnull) {
            RunCpp([&] { rt->remove.emplace_back(wc->col->name); });
            continue;
        }
        ColumnValue(st, wc, value, wc->col->typid);
        RunCpp([&] { rt->set.emplace_back(wc->col->name, std::move(rt->value)); });
    }

    // The values the statement read: the item must still hold them.
    RunCpp([&] { rt->expected.clear(); });
    for (int i = 0; i < st->nread; i++) {
        const WriteColumn *wc = ColumnByAttnum(st, st->read_attnum[i]);
        bool isnull;
        Datum old = ExecGetJunkAttribute(planSlot, st->read_junk[i], &isnull);
        if (isnull)
            RunCpp([&] { rt->value = dynamo::AttributeValue(); });
        else
            ColumnValue(st, wc, old, wc->col->typid);
        RunCpp([&] { rt->expected.emplace_back(wc->col->name, std::move(rt->value)); });
    }

    bool nothing = false;
    RunCpp([&] {
        nothing = rt->set.empty() && rt->remove.empty();
        if (!nothing) {
            dynamo::UpdateSpec spec;
            spec.set = rt->set;
            spec.remove = rt->remove;
            spec.expect = rt->expected;
            dynamo::BuildUpdateSpec(spec, rt->desc.hash.name, rt->request);
            rt->request.return_values = st->has_returning;
        }
    });
    TupleTableSlot *result = slot;
    if (!nothing) {
        if (!SendSingle(st, "UpdateItem")) {
            // The item is gone (an UPDATE does not create it again), or it changed since it was
            // read: writing would overwrite a change this statement did not see.
            if (st->nread > 0 && ReadCurrentItem(st))
                ereport(ERROR,
                        (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                         errmsg("could not serialize access due to concurrent update"),
                         errdetail("The item of DynamoDB table \"%s\" changed after this statement "
                                   "read it.",
                                   st->table),
                         errhint("Run the statement again.")));
            result = NULL;
        } else if (st->has_returning) {
            result = StoreReturned(st, slot);
        }
    }
    EndRow(&rc);
    return result;
}

TupleTableSlot *DynamoExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    ModifyRuntime *rt = st->rt;
    RowContext rc;
    BeginRow(st, &rc);
    KeyFromJunk(st, planSlot);
    TupleTableSlot *result = slot;
    if (st->batch_deletes) {
        AddToBatch(st, true, st->batch_size);
    } else {
        RunCpp([&] {
            rt->request.update.clear();
            rt->request.condition.clear();
            rt->request.names.clear();
            rt->request.values.clear();
            rt->request.return_values = st->has_returning;
        });
        SendSingle(st, "DeleteItem");
        if (st->has_returning) {
            bool gone = false;
            RunCpp([&] { gone = rt->returned.empty(); });
            result = gone ? NULL : StoreReturned(st, slot);
        }
    }
    EndRow(&rc);
    return result;
}

void DynamoEndForeignModify(EState *estate, ResultRelInfo *rinfo) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    if (st == NULL || st->cxt == NULL)
        return;
    if (st->rt != NULL && st->rt->client)
        FlushBatch(st);
    MemoryContextDelete(st->cxt);  // frees the C++ state through its callback
    st->cxt = NULL;
}

void DynamoEndForeignInsert(EState *estate, ResultRelInfo *rinfo) {
    DynamoEndForeignModify(estate, rinfo);
}

void DynamoExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs) {
    Relation rel = (Relation)linitial(rels);
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("TRUNCATE is not supported on DynamoDB foreign table \"%s\"",
                           RelationGetRelationName(rel)),
                    errhint("DELETE without a WHERE clause removes every item (25 a request).")));
}

// --- UPDATE and DELETE as one request ---

bool DynamoPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                            int subplan_index) {
    CmdType op = plan->operation;
    if (op != CMD_UPDATE && op != CMD_DELETE)
        return false;
    // The ForeignScan of the target itself, directly under the ModifyTable (no join, no
    // inheritance).
    Plan *sub = outerPlan(plan);
    if (sub == NULL || !IsA(sub, ForeignScan))
        return false;
    ForeignScan *fscan = (ForeignScan *)sub;
    if (fscan->scan.scanrelid != resultRelation || fscan->scan.plan.initPlan != NIL)
        return false;
    RelOptInfo *baserel = root->simple_rel_array[resultRelation];
    if (baserel == NULL || baserel->joininfo != NIL)
        return false;

    RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
    Relation rel = table_open(rte->relid, NoLock);
    Oid userid = PlannerUser(rte);
    AttrNumber keys[2];
    int nkeys = PlannerKeyColumns(rel, userid, keys);
    ForeignTable *ft = GetForeignTable(rte->relid);
    DynamoOptions *opts = DynamoGetOptions(ft->serverid, userid, rte->relid);
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(rte->relid, ft->serverid, userid, opts->table);

    // The conditions must fix the whole key (`keycol = value`); the others must be conditions
    // DynamoDB evaluates exactly.
    Expr *key_values[2] = {NULL, NULL};
    List *conditions = NIL;
    bool usable = true;
    ListCell *lc;
    foreach (lc, baserel->baserestrictinfo) {
        RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
        Expr *value = NULL;
        int k = KeyEquality(ri->clause, resultRelation, rel, desc, keys, nkeys, &value);
        if (k >= 0 && key_values[k] == NULL) {
            key_values[k] = value;
            continue;
        }
        // Any other condition goes into the request's ConditionExpression, where DynamoDB
        // decides it exactly as Postgres would: compare-and-set.
        DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
        DynamoConjunct *cj =
            info != NULL && info->pushdown ? DynamoAnalyzeConjunct(info, baserel, ri) : NULL;
        if (cj == NULL || cj->filter == NULL || !cj->filter_exact) {
            usable = false;
            break;
        }
        conditions = lappend(conditions, cj->filter);
    }
    for (int k = 0; k < nkeys && usable; k++)
        usable = key_values[k] != NULL;

    // UPDATE: Consts and Params assigned to columns that are neither a key nor the catch-all.
    const char *relname = RelationGetRelationName(rel);
    List *tlist = NIL, *colnos = NIL;
    List *set_attrs = NIL, *set_exprs = NIL, *set_kinds = NIL, *start_exprs = NIL;
    StringInfoData set_text, remove_text;
    initStringInfo(&set_text);
    initStringInfo(&remove_text);
    if (op == CMD_UPDATE)
        CheckKeyAssignments(root, resultRelation, rel, keys, nkeys, &tlist, &colnos);
    ListCell *lc2;
    forboth(lc, tlist, lc2, colnos) {
        if (!usable)
            break;
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        AttrNumber attno = lfirst_int(lc2);
        Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attno - 1);
        bool catch_all_column = false;
        if (att->atttypid == JSONBOID) {
            DynamoColumn col = {};
            col.attnum = attno;
            col.name = NameStr(att->attname);
            col.name_len = strlen(col.name);
            col.catch_all = DynamoColumnCatchAll(rte->relid, attno);
            catch_all_column = WritesAsCatchAll(rte->relid, &col);
        }
        Expr *value = ConstOrParam(tle->expr);
        int kind = DIRECT_SET_VALUE;
        Expr *start = NULL;
        if (value == NULL && !catch_all_column)
            value = ArithmeticOf(tle->expr, resultRelation, attno, att, &kind, &start);
        if (attno == keys[0] || (nkeys > 1 && attno == keys[1]) || catch_all_column ||
            value == NULL) {
            usable = false;
            break;
        }
        set_attrs = lappend_int(set_attrs, attno);
        set_exprs = lappend(set_exprs, kind == DIRECT_SET_VALUE ? tle->expr : value);
        set_kinds = lappend_int(set_kinds, kind);
        if (start != NULL)
            start_exprs = lappend(start_exprs, start);
        const char *name = NameStr(att->attname);
        if (kind != DIRECT_SET_VALUE) {
            const char *shown = ShownName(name);
            auto operand = [&](Expr *x) {
                return ShownEquality(name, x, DYNAMO_ARRAY_AUTO, relname) + strlen(shown) + 3;
            };
            const char *base =
                start ? psprintf("if_not_exists(%s, %s)", shown, operand(start)) : shown;
            appendStringInfo(&set_text, "%s%s = %s %s %s", set_text.len > 0 ? ", " : "SET ", shown,
                             base, (kind & 3) == DIRECT_SET_ADD ? "+" : "-", operand(value));
        } else if (IsA(value, Const) && ((Const *)value)->constisnull)
            appendStringInfo(&remove_text, "%s%s", remove_text.len > 0 ? ", " : "REMOVE ",
                             ShownName(name));
        else
            appendStringInfo(&set_text, "%s%s", set_text.len > 0 ? ", " : "SET ",
                             ShownEquality(name, value,
                                           OidIsValid(get_element_type(att->atttypid))
                                               ? DynamoColumnArrayType(rte->relid, attno)
                                               : DYNAMO_ARRAY_AUTO,
                                           relname));
    }
    if (!usable) {
        table_close(rel, NoLock);
        return false;
    }

    List *key_attrs = NIL, *exprs = NIL;
    StringInfoData key_text;
    initStringInfo(&key_text);
    for (int k = 0; k < nkeys; k++) {
        key_attrs = lappend_int(key_attrs, keys[k]);
        exprs = lappend(exprs, key_values[k]);
        appendStringInfo(&key_text, "%s%s", k > 0 ? " AND " : "",
                         ShownEquality(k == 0 ? desc->hash.name.c_str() : desc->range.name.c_str(),
                                       key_values[k], DYNAMO_ARRAY_AUTO, relname));
    }
    exprs = list_concat(list_concat(exprs, set_exprs), start_exprs);
    if (remove_text.len > 0)
        appendStringInfo(&set_text, "%s%s", set_text.len > 0 ? " " : "", remove_text.data);
    table_close(rel, NoLock);

    fscan->operation = op;
    fscan->resultRelation = resultRelation;
    fscan->fdw_private =
        lappend(lappend(list_make5(key_attrs, set_attrs, makeString(key_text.data),
                                   makeString(set_text.data), makeInteger(plan->canSetTag ? 1 : 0)),
                        set_kinds),
                makeString(conditions != NIL ? DynamoJsonAnd(conditions) : pstrdup("")));
    fscan->fdw_exprs = exprs;
    fscan->fdw_scan_tlist = NIL;
    fscan->fdw_recheck_quals = NIL;
    // The request applies the key condition exactly; nothing is left to check on the row.
    fscan->scan.plan.qual = NIL;
    fscan->scan.plan.async_capable = false;
    return true;
}

void DynamoBeginDirectModify(ForeignScanState *node, int eflags) {
    ForeignScan *fscan = (ForeignScan *)node->ss.ps.plan;
    EState *estate = node->ss.ps.state;
    ResultRelInfo *rinfo = node->resultRelInfo;
    DynamoModifyState *st =
        CreateModifyState(node->ss.ss_currentRelation, fscan->operation, CheckAsUser(rinfo, estate),
                          estate, (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
    node->fdw_state = st;
    st->key_attrs = (List *)list_nth(fscan->fdw_private, FdwDirectPrivateKeyAttrs);
    st->set_attrs = (List *)list_nth(fscan->fdw_private, FdwDirectPrivateSetAttrs);
    st->set_tag = intVal(list_nth(fscan->fdw_private, FdwDirectPrivateSetTag)) != 0;
    int nkeys = list_length(st->key_attrs);
    List *all = ExecInitExprList(fscan->fdw_exprs, (PlanState *)node);
    st->set_kinds = (List *)list_nth(fscan->fdw_private, FdwDirectPrivateSetKinds);
    const char *cond = strVal(list_nth(fscan->fdw_private, FdwDirectPrivateCondition));
    if (cond[0] != '\0')
        RunCpp([&] { st->rt->also = dynamo::ConditionFromJson(cond); });
    int nsets = list_length(st->set_attrs);
    st->key_exprs = list_truncate(list_copy(all), nkeys);
    st->set_exprs = list_truncate(list_copy_tail(all, nkeys), nsets);
    st->start_exprs = list_copy_tail(all, nkeys + nsets);
}

TupleTableSlot *DynamoIterateDirectModify(ForeignScanState *node) {
    DynamoModifyState *st = (DynamoModifyState *)node->fdw_state;
    ModifyRuntime *rt = st->rt;
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    EState *estate = node->ss.ps.state;
    ExprContext *econtext = node->ss.ps.ps_ExprContext;
    if (st->done)
        return ExecClearTuple(slot);
    st->done = true;
    // (The ModifyTable builds its RETURNING projection after this node's Begin.)
    st->has_returning = node->resultRelInfo->ri_projectReturning != NULL;

    RowContext rc;
    BeginRow(st, &rc);
    RunCpp([&] {
        rt->set.clear();
        rt->remove.clear();
    });
    bool found = true;
    ListCell *lc, *lc2;
    forboth(lc, st->key_exprs, lc2, st->key_attrs) {
        ExprState *es = (ExprState *)lfirst(lc);
        const WriteColumn *wc = ColumnByAttnum(st, lfirst_int(lc2));
        bool isnull;
        Datum d = ExecEvalExpr(es, econtext, &isnull);
        if (isnull) {
            found = false;  // `key = NULL` matches nothing
            break;
        }
        ColumnValue(st, wc, d, exprType((Node *)es->expr));
        AppendValue(st, wc);
    }
    if (found && st->operation == CMD_UPDATE) {
        RunCpp([&] { rt->arith.clear(); });
        ListCell *lk = list_head(st->set_kinds), *ls = list_head(st->start_exprs);
        forboth(lc, st->set_exprs, lc2, st->set_attrs) {
            ExprState *es = (ExprState *)lfirst(lc);
            const WriteColumn *wc = ColumnByAttnum(st, lfirst_int(lc2));
            int kind = lfirst_int(lk);
            lk = lnext(st->set_kinds, lk);
            bool isnull;
            Datum d = ExecEvalExpr(es, econtext, &isnull);
            if (kind == DIRECT_SET_VALUE) {
                if (isnull) {
                    RunCpp([&] { rt->remove.emplace_back(wc->col->name); });
                    continue;
                }
                ColumnValue(st, wc, d, wc->col->typid);
                RunCpp([&] { rt->set.emplace_back(wc->col->name, std::move(rt->value)); });
                continue;
            }
            bool start_isnull = true;
            Datum start = (Datum)0;
            ExprState *ss = NULL;
            if (kind & DIRECT_SET_START) {
                ss = (ExprState *)lfirst(ls);
                ls = lnext(st->start_exprs, ls);
                start = ExecEvalExpr(ss, econtext, &start_isnull);
            }
            if (isnull) {
                // col + NULL is NULL
                RunCpp([&] { rt->remove.emplace_back(wc->col->name); });
                continue;
            }
            ColumnValue(st, wc, d, exprType((Node *)es->expr));
            RunCpp([&] {
                dynamo::Arithmetic a;
                a.attr = wc->col->name;
                a.delta = std::move(rt->value);
                a.subtract = (kind & 3) == DIRECT_SET_SUBTRACT;
                rt->arith.push_back(std::move(a));
            });
            if (!start_isnull) {
                ColumnValue(st, wc, start, exprType((Node *)ss->expr));
                RunCpp([&] {
                    rt->arith.back().has_start = true;
                    rt->arith.back().start = std::move(rt->value);
                });
            }
        }
        found = SendUpdateWithArithmetic(st);
    } else if (found) {
        // ALL_OLD tells whether there was an item to delete.
        RunCpp([&] {
            dynamo::BuildDeleteCondition(rt->also, rt->request);
            rt->request.return_values = true;
        });
        bool held = SendSingle(st, "DeleteItem");
        RunCpp([&] { found = held && !rt->returned.empty(); });
    }
    EndRow(&rc);

    if (!found)
        return ExecClearTuple(slot);
    if (st->set_tag)
        estate->es_processed += 1;
    if (!st->has_returning) {
        if (node->ss.ps.instrument != NULL)
            node->ss.ps.instrument->tuplecount += 1;
        return ExecClearTuple(slot);
    }
    MemoryContext old = MemoryContextSwitchTo(st->row_cxt);
    StoreReturned(st, slot);
    MemoryContextSwitchTo(old);
    node->resultRelInfo->ri_projectReturning->pi_exprContext->ecxt_scantuple = slot;
    return slot;
}

void DynamoEndDirectModify(ForeignScanState *node) {
    DynamoModifyState *st = (DynamoModifyState *)node->fdw_state;
    if (st != NULL && st->cxt != NULL) {
        MemoryContextDelete(st->cxt);
        st->cxt = NULL;
    }
}

// --- EXPLAIN ---

void DynamoExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
                                int subplan_index, ExplainState *es) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    if (st == NULL)
        return;
    const char *hash = NULL;
    RunCpp([&] { hash = st->rt->desc.hash.name.c_str(); });
    const char *operation = "DeleteItem";
    int batch = 0;
    if (st->operation == CMD_INSERT) {
        batch = st->single_row ? 1 : rinfo->ri_BatchSize;
        operation = batch > 1 ? "BatchWriteItem" : "PutItem";
    } else if (st->operation == CMD_UPDATE) {
        operation = "UpdateItem";
    } else if (st->batch_deletes) {
        batch = st->batch_size;
        operation = "BatchWriteItem";
    }
    ExplainPropertyText("DynamoDB Operation", operation, es);
    ExplainPropertyText("DynamoDB Table", st->table, es);
    if (batch > 1)
        ExplainPropertyInteger("DynamoDB Batch Size", NULL, batch, es);
    if (es->verbose) {
        if (st->operation == CMD_UPDATE) {
            StringInfoData buf;
            initStringInfo(&buf);
            for (int i = 0; i < st->cx.ncolumns; i++) {
                const WriteColumn *wc = &st->columns[i];
                if (wc->role == KeyPartition || wc->role == KeySort)
                    continue;
                if (!bms_is_member(wc->col->attnum - FirstLowInvalidHeapAttributeNumber,
                                   st->targets))
                    continue;
                appendStringInfo(&buf, "%s%s%s", buf.len > 0 ? ", " : "SET ",
                                 ShownName(wc->col->name), wc->spread ? ".*" : "");
            }
            if (buf.len > 0) {
                appendStringInfoString(&buf, " (REMOVE where NULL)");
                ExplainPropertyText("DynamoDB Update", buf.data, es);
            }
            ExplainPropertyText("DynamoDB Condition",
                                psprintf("attribute_exists(%s)", ShownName(hash)), es);
        } else if (st->operation == CMD_INSERT && st->on_conflict_nothing) {
            ExplainPropertyText("DynamoDB Condition",
                                psprintf("attribute_not_exists(%s)", ShownName(hash)), es);
        }
    }
    if (es->analyze && st->cxt != NULL && st->rt != NULL && st->rt->client) {
        // Deletes still collected for a batch are sent now rather than at the end of the
        // statement, so that the figures are whole.
        FlushBatch(st);
        ExplainWriteCounts(st, es);
    }
}

namespace {
// " AND (<the WHERE clause's conditions>)" as EXPLAIN shows them, when there are any.
void AppendWhereCondition(DynamoModifyState *st, StringInfo out) {
    char *text = NULL;
    RunCpp([&] {
        if (st->rt->also.IsTrue())
            return;
        std::string inline_text = dynamo::RenderInline(st->rt->also);
        text = static_cast<char *>(malloc(inline_text.size() + 1));
        if (text == nullptr)
            throw std::bad_alloc();
        memcpy(text, inline_text.c_str(), inline_text.size() + 1);
    });
    if (text != NULL) {
        appendStringInfo(out, " AND (%s)", text);
        free(text);
    }
}
}  // namespace

void DynamoExplainDirectModify(ForeignScanState *node, ExplainState *es) {
    ForeignScan *fscan = (ForeignScan *)node->ss.ps.plan;
    DynamoModifyState *st = (DynamoModifyState *)node->fdw_state;
    List *priv = fscan->fdw_private;
    ExplainPropertyText("DynamoDB Operation",
                        fscan->operation == CMD_UPDATE ? "UpdateItem" : "DeleteItem", es);
    ExplainPropertyText("DynamoDB Table", st->table, es);
    ExplainPropertyText("DynamoDB Key", strVal(list_nth(priv, FdwDirectPrivateKeyText)), es);
    if (es->verbose && fscan->operation == CMD_UPDATE) {
        const char *hash = NULL;
        RunCpp([&] { hash = st->rt->desc.hash.name.c_str(); });
        ExplainPropertyText("DynamoDB Update", strVal(list_nth(priv, FdwDirectPrivateSetText)), es);
        // Arithmetic needs a number to compute from (else the item is read first).
        StringInfoData cond;
        initStringInfo(&cond);
        appendStringInfo(&cond, "attribute_exists(%s)", ShownName(hash));
        ListCell *lk, *la;
        forboth(lk, st->set_kinds, la, st->set_attrs) {
            int kind = lfirst_int(lk);
            if (kind == DIRECT_SET_VALUE)
                continue;
            const char *name = ShownName(ColumnByAttnum(st, lfirst_int(la))->col->name);
            if (kind & DIRECT_SET_START)
                appendStringInfo(&cond,
                                 " AND (attribute_not_exists(%s) OR attribute_type(%s, \"N\"))",
                                 name, name);
            else
                appendStringInfo(&cond, " AND attribute_type(%s, \"N\")", name);
        }
        AppendWhereCondition(st, &cond);
        ExplainPropertyText("DynamoDB Condition", cond.data, es);
    } else if (es->verbose) {
        StringInfoData cond;
        initStringInfo(&cond);
        AppendWhereCondition(st, &cond);
        if (cond.len > 0)
            ExplainPropertyText("DynamoDB Condition", cond.data + 5, es);  // without " AND "
    }
    if (es->analyze && fscan->operation == CMD_UPDATE && st->set_kinds != NIL)
        ExplainPropertyInteger("DynamoDB Items Read Again", NULL, st->rereads, es);
    ExplainWriteCounts(st, es);
}
