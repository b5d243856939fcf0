// Executing a read: Begin / Iterate / ReScan / End of the ForeignScan, and EXPLAIN.
//
// The read plan's JSON is parsed once when the scan begins (dynamo::ParsePlanJson); each start
// (the first row, and every rescan with the parameters evaluated again) builds the requests from
// it and hands them to a dynamo::ReadCursor (client/read_cursor.hpp). The scan holds one chunk
// of items at a time (a GetItem's answer, a BatchGetItem's for up to 100 keys, or at most
// kItemsPerChunk items of a Scan or Query page), each turned into a tuple when Iterate returns
// it. Meanwhile the cursor prefetches: a Scan's or Query's next page is requested as soon as the
// current one starts being handed out (not for reads with a limit, which may need no more), and
// a parallel Scan keeps a request in flight for each of up to kMaxSegmentsInFlight segments.
// A read of a table the transaction keeps writes of (dynamodb.atomic_commit) merges them in: the
// items written are left out of DynamoDB's answer and come from a view of the kept writes taken
// when the scan begins, each checked against the conditions DynamoDB evaluated for the others.
#include "fdw/scan.hpp"

#include <algorithm>
#include <string>

extern "C" {
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

namespace {

// Executor-side C++ state: the shared client, the planned read, the current page.
struct ScanRuntime {
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::TableDescription desc;
    dynamo::ReadPlanSpec spec;  // the read plan, parsed once
    std::vector<dynamo::AttributeValue> params;
    std::unique_ptr<dynamo::ReadCursor> cursor;
    dynamo::Page page;
    size_t pos = 0;
    bool started = false;
    bool done = false;
    bool no_rows = false;       // a key value that cannot match anything (NULL, say)
    bool instrumented = false;  // EXPLAIN ANALYZE: ask DynamoDB for the capacity consumed
    dynamo::Error error;
    std::string buf;  // conversion scratch buffer
    // A read of a table the transaction has kept writes of (dynamodb.atomic_commit): the items
    // it wrote are left out of DynamoDB's answer and handed out from `view` instead.
    bool merging = false;
    dynamo::KeptReadView view;
    int64_t merged = 0;  // items handed out from the view
    // EXPLAIN ANALYZE figures, summed over rescans
    int64_t requests = 0;
    int64_t retries = 0;
    int64_t scanned = 0;
    int64_t returned = 0;
    double consumed = 0;
    double waited_ms = 0;  // held back by the table's budget or backoff
    bool paced = false;    // the table has a read budget
};

struct DynamoScanState {
    MemoryContext scan_cxt;
    MemoryContext row_cxt;
    ScanRuntime *rt;
    DynamoConvertContext cx;
    char *relname;
    char *table;
    List *param_states;  // ExprState per fdw_exprs entry
    List *param_types;
    bool count_only;
    bool count_returned;
    // REPEATABLE READ or SERIALIZABLE with kept writes: items read are recorded for COMMIT to
    // check (through this server and user).
    bool check_reads;
    Oid serverid;
    Oid userid;
};

void FreeRuntime(void *arg) {
    DynamoScanState *ss = static_cast<DynamoScanState *>(arg);
    delete ss->rt;
    ss->rt = nullptr;
}

// Evaluates the run-time values and builds the requests.
void PrepareRead(ForeignScanState *node, DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    ExprContext *econtext = node->ss.ps.ps_ExprContext;
    int n = list_length(ss->param_states);
    bool no_rows = false;
    RunCpp([&] {
        rt->params.assign(n, dynamo::AttributeValue());
        rt->no_rows = false;
    });
    MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
    for (int i = 0; i < n; i++) {
        ExprState *es = (ExprState *)list_nth(ss->param_states, i);
        bool isnull;
        Datum d = ExecEvalExpr(es, econtext, &isnull);
        int kind = list_nth_int(ss->param_types, i);
        dynamo::AttrType target = (dynamo::AttrType)(kind & ~DYNAMO_PARAM_EQUALITY);
        Oid type = exprType((Node *)es->expr);
        if (isnull) {
            no_rows = true;  // a key equal to NULL: nothing matches
            continue;
        }
        if ((kind & DYNAMO_PARAM_EQUALITY) &&
            (target == dynamo::AttrType::S || target == dynamo::AttrType::B) &&
            (type == TEXTOID || type == VARCHAROID || type == BYTEAOID) &&
            VARSIZE_ANY_EXHDR(DatumGetPointer(d)) == 0) {
            no_rows = true;  // a key equal to an empty string: no key is empty
            continue;
        }
        if (target == dynamo::AttrType::N && (type == TEXTOID || type == VARCHAROID)) {
            // A number key declared as text: the text must be a number to match anything.
            char *digits = TextDatumGetCString(d);
            bool ok = false;
            RunCpp([&] {
                std::string why;
                ok = dynamo::CheckDynamoNumber(digits, why);
                if (ok)
                    rt->params[i] = dynamo::AttributeValue::Number(digits);
            });
            if (!ok)
                no_rows = true;
            continue;
        }
        DynamoDatumToAttribute(d, type, DYNAMO_ARRAY_AUTO, &rt->params[i], "key", ss->relname);
    }
    MemoryContextSwitchTo(old);
    ResetExprContext(econtext);

    RunCpp([&] {
        rt->no_rows = no_rows;
        rt->page.items.clear();
        rt->pos = 0;
        rt->started = false;
        rt->done = no_rows;
        rt->view.Rewind();
        if (!no_rows) {
            dynamo::ReadPlan plan;
            if (rt->merging) {
                // The keys of every item (to leave out those the transaction wrote), and no
                // Limit: the items left out would leave DynamoDB's answer short.
                dynamo::ReadPlanSpec whole = rt->spec;
                whole.has_projection = false;
                whole.projection.clear();
                whole.limit = 0;
                plan = dynamo::BuildReadPlan(whole, rt->params);
            } else if (ss->check_reads && rt->spec.has_projection) {
                // Items read are recorded by key for COMMIT to check what came back: keys in
                // the projection, and top-level attributes whole (a part of a map would not
                // equal the map).
                dynamo::ReadPlanSpec keyed = rt->spec;
                keyed.projection.clear();
                auto add = [&](const std::string &name) {
                    dynamo::DocumentPath top(name);
                    if (std::find(keyed.projection.begin(), keyed.projection.end(), top) ==
                        keyed.projection.end())
                        keyed.projection.push_back(std::move(top));
                };
                for (const dynamo::DocumentPath &p : rt->spec.projection)
                    add(p.attr);
                add(rt->desc.hash.name);
                if (rt->desc.has_range)
                    add(rt->desc.range.name);
                plan = dynamo::BuildReadPlan(keyed, rt->params);
            } else {
                plan = dynamo::BuildReadPlan(rt->spec, rt->params);
            }
            plan.request.return_consumed = rt->instrumented;
            rt->cursor.reset(new dynamo::ReadCursor(rt->client.get(), std::move(plan)));
        }
    });
}

// Reads what the transaction's kept writes make of the items it wrote to the scanned table, for
// the scan to merge into DynamoDB's answer; a Query's in its sort key order.
void TakeKeptView(DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    bool ok = false;
    RunCpp([&] {
        const dynamo::IndexDescription *index = nullptr;
        for (const dynamo::IndexDescription &ix : rt->desc.indexes)
            if (ix.name == rt->spec.index)
                index = &ix;
        rt->error = DynamoXactReadView(ss->table, rt->desc, index, rt->client.get(), rt->view,
                                       rt->requests);
        ok = rt->error.ok();
        if (ok && rt->spec.op == dynamo::ReadPlan::Kind::Query) {
            std::string sort_key = index != nullptr ? (index->has_range ? index->range.name : "")
                                   : rt->desc.has_range ? rt->desc.range.name
                                                        : "";
            rt->view.OrderBy(sort_key, rt->spec.forward);
        }
        rt->merging = true;
    });
    if (!ok)
        ReportClientError(&rt->error, ss->relname, ss->table);
}

// Whether an item the view hands out meets the conditions DynamoDB would have checked on it (the
// ForeignScan's fdw_recheck_quals hold every condition pushed to DynamoDB; Postgres checks the
// others on every row).
bool KeptRowMatches(ForeignScanState *node, TupleTableSlot *slot) {
    if (node->fdw_recheck_quals == NULL)
        return true;
    ExprContext *econtext = node->ss.ps.ps_ExprContext;
    ResetExprContext(econtext);
    econtext->ecxt_scantuple = slot;
    return ExecQual(node->fdw_recheck_quals, econtext);
}

void FetchPage(DynamoScanState *ss) {
    ScanRuntime *rt = ss->rt;
    bool ok = false;
    RunCpp([&] {
        int64_t before_requests = rt->cursor->requests();
        int64_t before_retries = rt->cursor->retries();
        int64_t before_scanned = rt->cursor->scanned();
        double before_consumed = rt->cursor->consumed();
        double before_waited = rt->cursor->waited_ms();
        bool done = false;
        rt->error = rt->cursor->Next(rt->page, done, DynamoAbortRequested);
        ok = rt->error.ok();
        rt->started = true;
        rt->pos = 0;
        if (ok)
            rt->done = done;
        if (ok && rt->merging)
            rt->view.DropWritten(rt->desc, rt->page.items);
        rt->requests += rt->cursor->requests() - before_requests;
        rt->retries += rt->cursor->retries() - before_retries;
        rt->scanned += rt->cursor->scanned() - before_scanned;
        rt->consumed += rt->cursor->consumed() - before_consumed;
        rt->waited_ms += rt->cursor->waited_ms() - before_waited;
    });
    if (!ok)
        ReportClientError(&rt->error, ss->relname, ss->table);
}

}  // namespace

void DynamoBeginForeignScan(ForeignScanState *node, int eflags) {
    ForeignScan *plan = (ForeignScan *)node->ss.ps.plan;
    EState *estate = node->ss.ps.state;
    List *priv = plan->fdw_private;
    Oid relid = (Oid)intVal(list_nth(priv, FdwScanPrivateRelid));

    DynamoScanState *ss = (DynamoScanState *)palloc0(sizeof(DynamoScanState));
    node->fdw_state = ss;
    ss->relname = get_rel_name(relid);
    ss->count_only = intVal(list_nth(priv, FdwScanPrivateCount)) != 0;
    ss->param_types = (List *)list_nth(priv, FdwScanPrivateParamTypes);
    if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
        return;

    Oid serverid = (Oid)intVal(list_nth(priv, FdwScanPrivateServer));
    Oid userid = (Oid)intVal(list_nth(priv, FdwScanPrivateUser));
    DynamoOptions *opts = DynamoGetOptions(serverid, userid, relid);
    ss->table = opts->table;
    const dynamo::TableDescription *desc = DynamoDescribeTable(relid, serverid, userid, ss->table);

    ss->scan_cxt =
        AllocSetContextCreate(estate->es_query_cxt, "DynamoDB scan", ALLOCSET_DEFAULT_SIZES);
    ss->row_cxt = AllocSetContextCreate(ss->scan_cxt, "DynamoDB row", ALLOCSET_DEFAULT_SIZES);
    MemoryContextCallback *cb =
        (MemoryContextCallback *)MemoryContextAlloc(ss->scan_cxt, sizeof(MemoryContextCallback));
    cb->func = FreeRuntime;
    cb->arg = ss;
    MemoryContextRegisterResetCallback(ss->scan_cxt, cb);
    const char *json = strVal(list_nth(priv, FdwScanPrivatePlan));
    RunCpp([&] {
        ss->rt = new ScanRuntime();
        ss->rt->desc = *desc;
        ss->rt->spec = dynamo::ParsePlanJson(json);
        ss->rt->instrumented = estate->es_instrument != 0;
    });

    DynamoShareClient(serverid, userid, &ss->rt->client);
    RunCpp([&] { ss->rt->paced = ss->rt->client->ReadBudget(ss->table) > 0; });
    ss->param_states = ExecInitExprList(plan->fdw_exprs, (PlanState *)node);

    // The transaction's own writes, kept until COMMIT, as they stand when the statement starts
    // (its own later writes stay unseen, as in Postgres).
    ss->check_reads = !ss->count_only && DynamoXactChecksReads();
    ss->serverid = serverid;
    ss->userid = userid;
    if (DynamoXactTouchesTable(ss->table)) {
        if (ss->count_only)
            DynamoXactCountError(ss->relname, ss->table);
        TakeKeptView(ss);
    }

    if (!ss->count_only) {
        ss->cx.relname = ss->relname;
        ss->cx.dynamo_table = ss->table;
        ss->cx.desc = &ss->rt->desc;
        ss->cx.buf = &ss->rt->buf;
        DynamoInitColumns(node->ss.ss_currentRelation, &ss->cx);
    }
}

TupleTableSlot *DynamoIterateForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    ScanRuntime *rt = ss->rt;

    ExecClearTuple(slot);
    if (!rt->started && rt->cursor == nullptr && !rt->no_rows)
        PrepareRead(node, ss);

    if (ss->count_only) {
        if (ss->count_returned)
            return slot;
        int64 total = 0;
        while (!rt->done) {
            CHECK_FOR_INTERRUPTS();
            FetchPage(ss);
            total += rt->page.count;
        }
        ss->count_returned = true;
        rt->returned = total;
        slot->tts_values[0] = Int64GetDatum(total);
        slot->tts_isnull[0] = false;
        return ExecStoreVirtualTuple(slot);
    }

    for (;;) {
        const dynamo::Item *item = nullptr;
        if (rt->pos < rt->page.items.size()) {
            item = &rt->page.items[rt->pos];
        } else if (!rt->done) {
            CHECK_FOR_INTERRUPTS();
            FetchPage(ss);
            continue;
        }
        // An item of the transaction's own that comes before DynamoDB's next one.
        const dynamo::Item *kept = nullptr;
        if (rt->merging && !rt->no_rows)
            RunCpp([&] { kept = rt->view.Before(item); });
        if (kept != nullptr)
            item = kept;
        else if (item != nullptr)
            rt->pos++;
        if (item == nullptr) {
            DynamoWritesAtScanEnd(node);
            return slot;
        }
        MemoryContextReset(ss->row_cxt);
        MemoryContext old = MemoryContextSwitchTo(ss->row_cxt);
        DynamoItemToTuple(&ss->cx, item, slot->tts_values, slot->tts_isnull);
        MemoryContextSwitchTo(old);
        ExecStoreVirtualTuple(slot);
        if (kept != nullptr) {
            if (!KeptRowMatches(node, slot)) {
                ExecClearTuple(slot);
                continue;
            }
            rt->merged++;
        } else if (ss->check_reads) {
            DynamoXactRecordRead(ss->serverid, ss->userid, ss->relname, ss->table, &ss->cx, *item);
        }
        rt->returned++;
        return slot;
    }
}

void DynamoReScanForeignScan(ForeignScanState *node) {
    DynamoScanState *ss = (DynamoScanState *)node->fdw_state;
    ss->count_returned = false;
    // Parameters may have changed (a join's outer row): evaluate them again.
    PrepareRead(node, ss);
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
    const char *json = strVal(list_nth(plan->fdw_private, FdwScanPrivatePlan));

    // Lines first copied out of C++ into palloc'd memory, then handed to EXPLAIN.
    int nlines = 0;
    char **labels = NULL, **values = NULL;
    char *body = NULL;
    bool have_params = plan->fdw_exprs != NIL;
    ScanRuntime *rt = ss != NULL ? ss->rt : NULL;
    RunCpp([&] {
        dynamo::ReadPlanSpec spec = dynamo::ParsePlanJson(json);
        auto lines = dynamo::DescribeReadPlan(spec);
        labels = static_cast<char **>(calloc(lines.size() + 1, sizeof(char *)));
        values = static_cast<char **>(calloc(lines.size() + 1, sizeof(char *)));
        if (labels == nullptr || values == nullptr)
            throw std::bad_alloc();
        for (const auto &l : lines) {
            labels[nlines] = strdup(l.first.c_str());
            values[nlines] = strdup(l.second.c_str());
            if (labels[nlines] == nullptr || values[nlines] == nullptr)
                throw std::bad_alloc();
            nlines++;
        }
        if (es->verbose) {
            std::string text;
            if (rt != nullptr && rt->cursor != nullptr)
                text = dynamo::FirstRequestBody(rt->cursor->plan());
            else if (!have_params)
                text = dynamo::FirstRequestBody(dynamo::BuildReadPlan(spec, {}));
            if (!text.empty()) {
                body = strdup(text.c_str());
                if (body == nullptr)
                    throw std::bad_alloc();
            }
        }
    });
    for (int i = 0; i < nlines; i++) {
        char *label = pstrdup(labels[i]), *value = pstrdup(values[i]);
        free(labels[i]);
        free(values[i]);
        labels[i] = values[i] = NULL;
        ExplainPropertyText(label, value, es);
    }
    free(labels);
    free(values);
    if (body != NULL) {
        char *copy = pstrdup(body);
        free(body);
        ExplainPropertyText("DynamoDB Request", copy, es);
    }
    if (es->analyze && rt != NULL) {
        ExplainPropertyInteger("DynamoDB Requests", NULL, rt->requests, es);
        ExplainPropertyInteger("DynamoDB Retries", NULL, rt->retries, es);
        ExplainPropertyInteger("DynamoDB Items Scanned", NULL, rt->scanned, es);
        ExplainPropertyInteger("DynamoDB Items Returned", NULL, rt->returned, es);
        ExplainPropertyFloat("DynamoDB Consumed Read Capacity", NULL, rt->consumed, 1, es);
        // Under a read budget: the time requests waited for it (or for the table's backoff).
        if (rt->paced)
            ExplainPropertyFloat("DynamoDB Capacity Wait", "ms", rt->waited_ms, 1, es);
        // Reading a table this transaction keeps writes of: the items they make that matched.
        if (rt->merging)
            ExplainPropertyInteger("DynamoDB Kept Items Returned", NULL, rt->merged, es);
    }
}
