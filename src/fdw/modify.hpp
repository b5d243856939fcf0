// The write path's shared state and helpers (src/fdw): planning a write (modify_plan.cpp), the
// state of a write and its row conversion (modify_state.cpp), row-by-row INSERT, UPDATE and
// DELETE (modify_exec.cpp), batches (batch_writer.cpp) and UPDATE or DELETE as one request
// (direct_modify.cpp). Internal to those files.
#pragma once

#include "client/catch_all.hpp"
#include "client/expression.hpp"
#include "client/write_batch.hpp"
#include "client/write_pipeline.hpp"
#include "fdw/dynamodb_fdw.hpp"
#include "fdw/type_mapping.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "commands/explain.h"
}

#if PG_VERSION_NUM < 140000
#error "the write path needs PostgreSQL 14 or later (add_row_identity_var, batch insert)"
#endif

namespace dynamo_write {

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

// How a direct UPDATE assigns a column: a value, or what DynamoDB computes from the item:
// arithmetic (col + delta, col - delta; DIRECT_SET_START: coalesce(col, start) + delta) or a jsonb
// concatenation with a list (col || v: list_append(col, v); v || col: list_append(v, col)).
// fdw_exprs holds the value, delta or v in FdwDirectPrivateSetAttrs order, then the starts, in
// the same order.
enum DirectSetKind {
    DIRECT_SET_VALUE = 0,
    DIRECT_SET_ADD = 1,
    DIRECT_SET_SUBTRACT = 2,
    DIRECT_SET_APPEND = 8,
    DIRECT_SET_PREPEND = 16,
};
constexpr int DIRECT_SET_START = 4;
constexpr int DIRECT_SET_LIST = DIRECT_SET_APPEND | DIRECT_SET_PREPEND;

// (In this order: RoleName names them.)
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
    dynamo::WriteRequest request;             // request.item: the row's item (INSERT) or key
    dynamo::Item set;                         // UPDATE: attributes to SET
    std::vector<std::string> remove;          // UPDATE: attributes to REMOVE
    std::vector<dynamo::Arithmetic> arith;    // direct UPDATE: attributes DynamoDB computes
    std::vector<dynamo::ListAppend> appends;  // direct UPDATE: lists DynamoDB extends
    dynamo::UpdateSpec computed;  // direct UPDATE: what Postgres computed from the item as read
    dynamo::Condition also;       // direct UPDATE, DELETE: the WHERE's conditions
    std::vector<std::pair<std::string, dynamo::AttributeValue>> expected;  // what was read
    std::vector<std::pair<std::string, dynamo::AttributeValue>> refused;   // ... when refused
    // UPDATE: the catch-all's members the row sets or removes, as read (NULL-typed: absent)
    std::vector<std::pair<std::string, dynamo::AttributeValue>> member_expect;
    dynamo::AttributeValue value;      // the column value being converted
    dynamo::AttributeValue old_value;  // UPDATE: the catch-all before the update
    dynamo::Item returned;             // ReturnValues of the last request
    dynamo::WriteBatch batch;          // writes waiting for a BatchWriteItem
    // The write requests in flight (made on first use; destroying it cancels them).
    std::unique_ptr<dynamo::WritePipeline> pipeline;
    dynamo::Error error;
    std::string buf;  // conversion scratch, message text
    // The client's write requests and retries when the write began (for EXPLAIN ANALYZE).
    int64_t requests_at_start = 0;
    int64_t retries_at_start = 0;
    // The client's write units and capacity wait when the statement began (EXPLAIN ANALYZE).
    double write_units_at_start = 0;
    double wait_ms_at_start = 0;
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
    int batch_size;         // INSERT: rows per BatchWriteItem
    int write_concurrency;  // most write requests in flight (the option)
    // How the rows' writes go: decided at the first row (WriteModeReason), shown by EXPLAIN.
    bool mode_known;
    const char *one_at_a_time;  // NULL: up to write_concurrency requests in flight; else why not
    // UPDATE, DELETE: the rows come straight from a scan of this very table, whose end is the
    // end of the rows (DynamoWritesAtScanEnd), and the statement's row count includes them.
    bool own_scan;
    bool counts_rows;
    EState *estate;
    uint64 rows_sent;    // single writes sent in flight (their tags)
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
    // direct UPDATE: per entry of rt->appends, the column and the jsonb array it is joined with
    // (for computing it here when DynamoDB cannot)
    List *append_attnums;
    Datum *append_values;
    int64_t rereads;  // direct UPDATE: items read again because DynamoDB could not compute
    // UPDATE, DELETE: conditional writes DynamoDB refused (the item changed, or the WHERE
    // clause's conditions did not hold, or it was gone)
    int64_t condition_failures;
    // UPDATE, DELETE row by row: after a refusal the item is read again and the statement's
    // WHERE clause and new values are evaluated again on it (Postgres's EvalPlanQual), as READ
    // COMMITTED does after a concurrent update; rechecks counts those evaluations.
    ModifyTableState *mtstate;
    ResultRelInfo *rinfo;
    // The writes expect values as read (columns read, or members of the catch-all it assigns),
    // not only that the item exists.
    bool expects_values;
    bool can_recheck;
    TupleTableSlot *current_row;  // the item as read again, as a row of the table
    int64_t rechecks;
    bool set_tag;
    bool done;
    Oid serverid;
    Oid userid;
    bool defer;  // inside a transaction block with atomic_commit: kept for COMMIT (xact.cpp)
};

// One row being written: its memory context and error context.
struct RowContext {
    ErrorContextCallback errcb;
    MemoryContext old;
};

// --- in modify_state.cpp ---

// The user whose credentials a write uses.
Oid CheckAsUser(ResultRelInfo *rinfo, EState *estate);
// A foreign table over a secondary index is read-only.
void RejectIndexTable(const char *relname, DynamoOptions *opts);
// Whether the jsonb column writes as the catch-all.
bool WritesAsCatchAll(Oid relid, const DynamoColumn *col);
// The attnum of the column named `name`, or InvalidAttrNumber.
AttrNumber ColumnNamed(TupleDesc tupdesc, const char *name);
const char *RoleName(KeyRole role);
// The elements jsonb `col || v` adds to a list col: v itself when v is an array, else [v].
Datum ListElements(Datum v);
// Names of the row identity columns: the key column `attnum`, and a column read by an UPDATE.
char *KeyJunkName(AttrNumber attnum, Oid typid);
char *ReadJunkName(AttrNumber attnum);
// An attribute name as EXPLAIN shows it.
const char *ShownName(const char *name);
// EXPLAIN ANALYZE: the write requests the statement sent, and how many were retries.
void ExplainWriteCounts(DynamoModifyState *st, ExplainState *es);
// Opens the C++ side of a write: options, DescribeTable (cached), the client, the columns.
DynamoModifyState *CreateModifyState(Relation rel, CmdType operation, Oid userid, EState *estate,
                                     bool explain_only);
WriteColumn *ColumnByAttnum(DynamoModifyState *st, AttrNumber attnum);
// A row: the row context is reset and current, the error context names the item's key.
void BeginRow(DynamoModifyState *st, RowContext *rc);
void EndRow(RowContext *rc);
void FitKeyType(DynamoModifyState *st, const WriteColumn *wc);
// Converts one non-NULL value of column wc (of type typid) into rt->value.
void ColumnValue(DynamoModifyState *st, const WriteColumn *wc, Datum value, Oid typid);
// Appends rt->value to the row's item as the attribute of column wc.
void AppendValue(DynamoModifyState *st, const WriteColumn *wc);
// Checks that rt->value, the catch-all column's value, is an object whose members no declared
// column names and that `item` does not have yet.
void CheckCatchAll(DynamoModifyState *st, const WriteColumn *wc, const dynamo::Item *item);
void Report(DynamoModifyState *st);
// The returned item (ReturnValues) as the slot's row.
TupleTableSlot *StoreReturned(DynamoModifyState *st, TupleTableSlot *slot);
// One single-item write ("PutItem", "UpdateItem", "DeleteItem"); false when its condition
// failed.
bool SendSingle(DynamoModifyState *st, const char *operation);
// Reads the item of the request's key, strongly consistent, into rt->returned; false when
// there is none.
bool ReadCurrentItem(DynamoModifyState *st);

// Why the write goes one request at a time (RETURNING, ON CONFLICT, triggers, ...), or NULL
// when it keeps up to write_concurrency requests in flight. rinfo may be NULL once decided.
const char *WriteModeReason(DynamoModifyState *st, ResultRelInfo *rinfo);
// Settles the single writes DynamoDB refused since the last call: each row is evaluated again
// on its item as it is now and written one request at a time (as a write sent one at a time is);
// a row whose item is gone, or no longer satisfies the WHERE clause, no longer counts.
void ResolveRefused(DynamoModifyState *st);

// --- in xact.cpp ---

// Keeps the write in rt->request (a single-item operation, "PutItem", "UpdateItem" or
// "DeleteItem") for COMMIT; false when an INSERT ... ON CONFLICT DO NOTHING finds the item.
bool KeepWrite(DynamoModifyState *st, const char *operation);
// The item whose key is in rt->request.item as the transaction's kept writes leave it: applied
// to rt->returned, the item as read (*found: whether there is one; both updated). False when the
// transaction keeps no write of the item.
bool KeptOverlay(DynamoModifyState *st, bool *found);
// EXPLAIN of a kept write: deferred to COMMIT; with ANALYZE, the writes the transaction keeps.
void ExplainDeferred(ExplainState *es);

// --- in batch_writer.cpp ---

// Sends the collected writes (a single write goes as PutItem/DeleteItem): into flight, waiting
// only for room, or, one at a time, waiting for the answer.
void FlushBatch(DynamoModifyState *st);
// Adds rt->request.item to the batch, and sends the batch when it holds `limit` writes.
void AddToBatch(DynamoModifyState *st, bool is_delete, int limit);
// Sends rt->request as a single write (`operation`) into flight; a refusal is settled later
// (ResolveRefused).
void SendInFlight(DynamoModifyState *st, const char *operation);
// Sends what is collected and waits for every write in flight; raises the error of one that
// finally failed, naming the items written and the keys not written.
void DrainWrites(DynamoModifyState *st);
// EXPLAIN: how the write sends its requests; under ANALYZE, the most in flight at once.
void ExplainWriteMode(DynamoModifyState *st, ResultRelInfo *rinfo, ExplainState *es);

}  // namespace dynamo_write
