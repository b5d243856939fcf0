// Writes sent as BatchWriteItem requests: INSERT of many rows, and DELETE of rows the statement
// does not return. What a batch holds and when it is full is decided by the client's WriteBatch
// (src/client/write_batch.hpp); here the batch is sent and its failures become errors.
#include "fdw/modify.hpp"

namespace dynamo_write {

void FlushBatch(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    bool empty = false, ok = false;
    int unwritten = 0;
    RunCpp([&] {
        dynamo::WriteBatch &batch = rt->batch;
        empty = batch.empty();
        if (empty)
            return;
        if (batch.single()) {
            dynamo::BatchWrite &only = batch.writes()[0];
            dynamo::WriteRequest r;
            r.table = rt->request.table;
            r.item = std::move(only.item);
            bool failed = false;
            rt->error = only.is_delete
                            ? rt->client->DeleteItem(r, failed, rt->returned, DynamoAbortRequested)
                            : rt->client->PutItem(r, failed, DynamoAbortRequested);
            ok = rt->error.ok();
            if (ok)
                batch.Clear();
            return;
        }
        rt->error =
            rt->client->BatchWriteItem(rt->request.table, batch.writes(), DynamoAbortRequested);
        ok = rt->error.ok();
        if (ok || rt->error.type != "UnprocessedItems") {
            batch.Clear();
            return;
        }
        // The message: how many, and which keys (the first ten).
        unwritten = (int)batch.size();
        rt->buf = batch.KeysText(10);
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

// A later write of a key already in the batch replaces the earlier one, as it would have in
// separate requests.
void AddToBatch(DynamoModifyState *st, bool is_delete, int limit) {
    ModifyRuntime *rt = st->rt;
    bool full = false;
    RunCpp([&] { full = rt->batch.Add(is_delete, std::move(rt->request.item), (size_t)limit); });
    if (full)
        FlushBatch(st);
}

}  // namespace dynamo_write
