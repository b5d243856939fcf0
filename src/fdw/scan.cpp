// Planning and executing reads: GetForeignRelSize / Paths / Plan, the scan callbacks and
// EXPLAIN. A scan holds one page of items at a time and follows LastEvaluatedKey to the end.
#include "fdw/dynamodb_fdw.hpp"

#include <string>

extern "C" {
#include "commands/explain.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

namespace {

// Planner state kept in baserel->fdw_private.
struct DynamoRelInfo {
    DynamoOptions *opts;
    Oid serverid;
    Oid userid;
    double item_count;  // DynamoDB's ItemCount, or a default when it reports 0
};

// Rows assumed when DynamoDB reports ItemCount 0 (it refreshes the figure every few hours, and
// local emulators always say 0).
constexpr double kDefaultItemCount = 1000.0;
// Cost of fetching and converting one item, relative to cpu_tuple_cost.
constexpr double kItemCostFactor = 10.0;
constexpr double kRequestStartupCost = 100.0;

// fdw_private of the ForeignScan plan node; every slot is a copyable Node.
enum FdwScanPrivateIndex {
    FdwScanPrivateTable,     // String: the DynamoDB table
    FdwScanPrivatePageSize,  // Integer: Limit per request, 0 for DynamoDB's default
    FdwScanPrivateConsistent,  // Integer (0/1): ConsistentRead
    FdwScanPrivateServer,    // Integer: server OID
    FdwScanPrivateUser,      // Integer: user OID the scan checks as
};

// Executor-side C++ state: the shared client, the request, the current page.
struct ScanRuntime {
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::TableDescription desc;
    dynamo::ReadRequest request;
    dynamo::Page page;
    dynamo::Item next_key;  // ExclusiveStartKey of the next request
    size_t pos = 0;
    bool started = false;
    bool done = false;
    dynamo::Error error;
    std::string buf;  // conversion scratch buffer
    // EXPLAIN ANALYZE figures
    int64_t pages = 0;
    int64_t scanned = 0;
    int64_t returned = 0;
    double consumed = 0;
};

struct DynamoScanState {
    MemoryContext scan_cxt;
    MemoryContext row_cxt;
    ScanRuntime *rt;
    DynamoConvertContext cx;
    char *relname;
    char *table;
};

void FreeRuntime(void *arg) {
    DynamoScanState *ss = static_cast<DynamoScanState *>(arg);
    delete ss->rt;
    ss->rt = nullptr;
}

void FetchPage(DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    bool ok = false;
    RunCpp([&] {
        rt->error = rt->client->Read(rt->request, rt->next_key, rt->page, DynamoAbortRequested);
        ok = rt->error.ok();
        rt->started = true;
        if (ok) {
            rt->pos = 0;
            rt->next_key = rt->page.last_evaluated_key;
            rt->done = rt->next_key.empty();
            rt->pages++;
            rt->scanned += rt->page.scanned_count;
            rt->consumed += rt->page.consumed_capacity;
        }
    });
    if (!ok) ReportClientError(&rt->error, ss->relname, ss->table);
}

}  // namespace

void DynamoGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    DynamoRelInfo *info = (DynamoRelInfo *)palloc0(sizeof(DynamoRelInfo));
    ForeignTable *ft = GetForeignTable(relid);
    info->serverid = ft->serverid;
    info->userid = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
    info->opts = DynamoGetOptions(info->serverid, info->userid, relid);

    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, info->serverid, info->userid, info->opts->table);
    info->item_count = desc->item_count > 0 ? (double)desc->item_count : kDefaultItemCount;

    baserel->fdw_private = info;
    Selectivity sel =
        clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
    baserel->rows = clamp_row_est(info->item_count * sel);
}

void DynamoGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    Cost startup = kRequestStartupCost;
    Cost total = startup + info->item_count * cpu_tuple_cost * kItemCostFactor +
                 baserel->rows * cpu_tuple_cost;
    add_path(baserel, (Path *)create_foreignscan_path(root, baserel, NULL, baserel->rows, startup,
                                                      total, NIL, NULL, NULL,
#if PG_VERSION_NUM >= 170000
                                                      NIL,
#endif
                                                      NIL));
}

ForeignScan *DynamoGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid relid,
                                  ForeignPath *best_path, List *tlist, List *scan_clauses,
                                  Plan *outer_plan) {
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    // Every condition is checked by Postgres on the rows the Scan returns.
    List *local = extract_actual_clauses(scan_clauses, false);
    List *priv = list_make5(makeString(pstrdup(info->opts->table)),
                            makeInteger(info->opts->page_size),
                            makeInteger(info->opts->consistent_read ? 1 : 0),
                            makeInteger((int)info->serverid), makeInteger((int)info->userid));
    return make_foreignscan(tlist, local, baserel->relid, NIL, priv, NIL, NIL, outer_plan);
}

void DynamoBeginForeignScan(ForeignScanState *node, int eflags) {
    ForeignScan *plan = (ForeignScan *)node->ss.ps.plan;
    EState *estate = node->ss.ps.state;
    Relation rel = node->ss.ss_currentRelation;
    List *priv = plan->fdw_private;

    DynamoScanState *ss = (DynamoScanState *)palloc0(sizeof(DynamoScanState));
    node->fdw_state = ss;
    ss->relname = pstrdup(RelationGetRelationName(rel));
    ss->table = strVal(list_nth(priv, FdwScanPrivateTable));
    if (eflags & EXEC_FLAG_EXPLAIN_ONLY) return;

    Oid serverid = (Oid)intVal(list_nth(priv, FdwScanPrivateServer));
    Oid userid = (Oid)intVal(list_nth(priv, FdwScanPrivateUser));
    int page_size = intVal(list_nth(priv, FdwScanPrivatePageSize));
    bool consistent = intVal(list_nth(priv, FdwScanPrivateConsistent)) != 0;
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(RelationGetRelid(rel), serverid, userid, ss->table);

    ss->scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "DynamoDB scan",
                                         ALLOCSET_DEFAULT_SIZES);
    ss->row_cxt = AllocSetContextCreate(ss->scan_cxt, "DynamoDB row", ALLOCSET_DEFAULT_SIZES);
    RunCpp([&] {
        ss->rt = new ScanRuntime();
        ss->rt->desc = *desc;
        ss->rt->request.table = ss->table;
        ss->rt->request.limit = page_size;
        ss->rt->request.consistent_read = consistent;
    });
    MemoryContextCallback *cb =
        (MemoryContextCallback *)MemoryContextAlloc(ss->scan_cxt, sizeof(MemoryContextCallback));
    cb->func = FreeRuntime;
    cb->arg = ss;
    MemoryContextRegisterResetCallback(ss->scan_cxt, cb);

    DynamoShareClient(serverid, userid, &ss->rt->client);

    ss->cx.relname = ss->relname;
    ss->cx.dynamo_table = ss->table;
    ss->cx.desc = &ss->rt->desc;
    ss->cx.buf = &ss->rt->buf;
    DynamoInitColumns(rel, &ss->cx);
}

TupleTableSlot *DynamoIterateForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    ScanRuntime *rt = ss->rt;

    ExecClearTuple(slot);
    for (;;) {
        if (rt->pos < rt->page.items.size()) {
            const dynamo::Item *item = &rt->page.items[rt->pos++];
            MemoryContextReset(ss->row_cxt);
            MemoryContext old = MemoryContextSwitchTo(ss->row_cxt);
            DynamoItemToTuple(&ss->cx, item, slot->tts_values, slot->tts_isnull);
            MemoryContextSwitchTo(old);
            rt->returned++;
            return ExecStoreVirtualTuple(slot);
        }
        if (rt->started && rt->done) return slot;
        CHECK_FOR_INTERRUPTS();
        FetchPage(ss);
    }
}

void DynamoReScanForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    ScanRuntime *rt = ss->rt;
    RunCpp([&] {
        rt->page.items.clear();
        rt->next_key.clear();
        rt->pos = 0;
        rt->started = false;
        rt->done = false;
    });
}

void DynamoEndForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    if (ss != NULL && ss->scan_cxt != NULL) {
        MemoryContextDelete(ss->scan_cxt);  // frees the C++ runtime through its callback
        ss->scan_cxt = NULL;
    }
}

void DynamoExplainForeignScan(ForeignScanState *node, ExplainState *es) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    ForeignScan *plan = (ForeignScan *)node->ss.ps.plan;
    List *priv = plan->fdw_private;

    ExplainPropertyText("DynamoDB Operation", "Scan", es);
    ExplainPropertyText("DynamoDB Table", strVal(list_nth(priv, FdwScanPrivateTable)), es);
    if (es->verbose) {
        char *body = NULL;
        RunCpp([&] {
            dynamo::ReadRequest r;
            r.table = strVal(list_nth(priv, FdwScanPrivateTable));
            r.limit = intVal(list_nth(priv, FdwScanPrivatePageSize));
            r.consistent_read = intVal(list_nth(priv, FdwScanPrivateConsistent)) != 0;
            std::string text = dynamo::DynamoClient::ReadRequestBody(r, dynamo::Item());
            body = static_cast<char *>(malloc(text.size() + 1));
            if (body == nullptr) throw std::bad_alloc();
            memcpy(body, text.c_str(), text.size() + 1);
        });
        char *copy = pstrdup(body);
        free(body);
        ExplainPropertyText("DynamoDB Request", copy, es);
    }
    if (es->analyze && ss != NULL && ss->rt != NULL) {
        ExplainPropertyInteger("DynamoDB Requests", NULL, ss->rt->pages, es);
        ExplainPropertyInteger("DynamoDB Items Scanned", NULL, ss->rt->scanned, es);
        ExplainPropertyInteger("DynamoDB Items Returned", NULL, ss->rt->returned, es);
        ExplainPropertyFloat("DynamoDB Consumed Read Capacity", NULL, ss->rt->consumed, 1, es);
    }
}
