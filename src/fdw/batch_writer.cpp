// Writes in flight: BatchWriteItem requests (INSERT of many rows, COPY, DELETE of rows the
// statement does not return) and the single writes of UPDATE and DELETE rows, kept up to
// write_concurrency at a time by the client's WritePipeline (src/client/write_pipeline.hpp)
// while Postgres goes on producing rows. What a batch holds and when it is full is decided by
// the client's WriteBatch (src/client/write_batch.hpp); here requests are sent and their
// failures become errors.
#include "fdw/modify.hpp"

namespace dynamo_write {

namespace {

dynamo::WritePipeline *PipelineOf(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    if (!rt->pipeline)
        RunCpp([&] {
            int most = WriteModeReason(st, NULL) != NULL ? 1 : st->write_concurrency;
            rt->pipeline.reset(
                new dynamo::WritePipeline(rt->client.get(), rt->desc, rt->request.table, most));
        });
    return rt->pipeline.get();
}

struct FailureContext {
    DynamoModifyState *st;
    int64_t written;
    int64_t unwritten;
};

// Context of an error that stopped writes in flight: what was written, and what was not.
void FailureContextCallback(void *arg) {
    FailureContext *fc = static_cast<FailureContext *>(arg);
    errcontext("%lld item%s written to DynamoDB table \"%s\" by this statement; %lld not: %s",
               (long long)fc->written, fc->written == 1 ? " was" : "s were", fc->st->table,
               (long long)fc->unwritten, fc->st->rt->buf.c_str());
}

// A write in flight finally failed (or the statement was cancelled): waits for the others, then
// raises the error with how many items were written and the keys of those that were not.
void ReportPipelineFailure(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    FailureContext fc = {st, 0, 0};
    bool aborted = false, budget = false;
    RunCpp([&] {
        dynamo::WritePipeline *p = rt->pipeline.get();
        if (p->error().kind != dynamo::ErrorKind::Aborted)
            p->Drain(DynamoAbortRequested);
        rt->error = p->error();
        aborted = rt->error.kind == dynamo::ErrorKind::Aborted;
        budget =
            rt->error.kind == dynamo::ErrorKind::Budget && rt->error.type == "UnprocessedItems";
        fc.written = p->written();
        fc.unwritten = p->unwritten() + (int64_t)rt->batch.size();
        rt->buf = p->UnwrittenKeysText(10);
        if (!rt->batch.empty())
            rt->buf += (rt->buf.empty() ? "" : ", ") + rt->batch.KeysText(10);
        rt->batch.Clear();
    });
    if (aborted)
        Report(st);
    if (budget)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_ERROR),
                 errmsg("%lld item%s not written to DynamoDB table \"%s\"", (long long)fc.unwritten,
                        fc.unwritten == 1 ? " was" : "s were", st->table),
                 errdetail("DynamoDB left them unprocessed through %d BatchWriteItem attempts: "
                           "%s. %lld item%s written by this statement.",
                           rt->error.attempts, rt->buf.c_str(), (long long)fc.written,
                           fc.written == 1 ? " was" : "s were"),
                 errhint("The table's write capacity is exhausted; raise it, or raise the "
                         "server's max_attempts.")));
    ErrorContextCallback cb;
    cb.callback = FailureContextCallback;
    cb.arg = &fc;
    cb.previous = error_context_stack;
    error_context_stack = &cb;
    Report(st);
}

// After a submit or a drain: refused conditional writes are settled, a failure raised.
void AfterPipeline(DynamoModifyState *st, bool ok) {
    if (!ok)
        ReportPipelineFailure(st);
    bool refused = false;
    RunCpp([&] { refused = !st->rt->pipeline->refused().empty(); });
    if (refused)
        ResolveRefused(st);
}

}  // namespace

void FlushBatch(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    bool empty = false;
    RunCpp([&] { empty = rt->batch.empty(); });
    if (empty)
        return;
    dynamo::WritePipeline *p = PipelineOf(st);
    bool ok = false;
    bool wait = WriteModeReason(st, NULL) != NULL;
    RunCpp([&] {
        std::vector<dynamo::BatchWrite> writes = std::move(rt->batch.writes());
        rt->batch.Clear();
        ok = p->SubmitBatch(std::move(writes), DynamoAbortRequested);
        if (ok && wait)
            ok = p->Drain(DynamoAbortRequested);
    });
    AfterPipeline(st, ok);
}

// A later write of a key already in the batch replaces the earlier one, as it would have in
// separate requests.
void AddToBatch(DynamoModifyState *st, bool is_delete, int limit) {
    ModifyRuntime *rt = st->rt;
    bool full = false;
    RunCpp([&] { full = rt->batch.Add(is_delete, std::move(rt->request.item), (size_t)limit); });
    if (full)
        FlushBatch(st);
}

void SendInFlight(DynamoModifyState *st, const char *operation) {
    ModifyRuntime *rt = st->rt;
    dynamo::WritePipeline *p = PipelineOf(st);
    bool ok = false;
    uint64 tag = ++st->rows_sent;
    RunCpp([&] { ok = p->SubmitSingle(operation, rt->request, tag, DynamoAbortRequested); });
    AfterPipeline(st, ok);
}

void DrainWrites(DynamoModifyState *st) {
    FlushBatch(st);
    ModifyRuntime *rt = st->rt;
    if (!rt->pipeline)
        return;
    bool ok = false;
    RunCpp([&] { ok = rt->pipeline->Drain(DynamoAbortRequested); });
    AfterPipeline(st, ok);
}

void ExplainWriteMode(DynamoModifyState *st, ResultRelInfo *rinfo, ExplainState *es) {
    const char *reason = WriteModeReason(st, rinfo);
    if (st->defer)
        return;
    if (reason != NULL)
        ExplainPropertyText("DynamoDB Write Mode", psprintf("one request at a time (%s)", reason),
                            es);
    else
        ExplainPropertyText("DynamoDB Write Mode",
                            psprintf("up to %d requests in flight", st->write_concurrency), es);
}

}  // namespace dynamo_write
