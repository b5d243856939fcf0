// Transactions (dynamodb.atomic_commit): inside a transaction block, INSERT, UPDATE and DELETE
// are kept (per subtransaction level) instead of sent, and sent at COMMIT as one
// TransactWriteItems with a ClientRequestToken, or as the plain request when the transaction
// wrote one item. ROLLBACK, an error and ROLLBACK TO SAVEPOINT discard what their
// (sub)transaction kept. Key lookups see the kept writes; other reads of a table the transaction
// has kept writes for are refused where they could return an item it wrote, so that no read
// misses the transaction's own writes. The pure part (kept writes, merging, limits, the request,
// cancellation reasons) is client/transact.*.
#include "client/transact.hpp"
#include "fdw/modify.hpp"

#include <algorithm>

extern "C" {
#include "access/xact.h"
#include "utils/guc.h"
}

bool dynamodb_atomic_commit = true;

namespace {

// The kept writes of the current transaction, with the client they are sent through (one
// server and user mapping per transaction: one TransactWriteItems goes to one endpoint).
struct XactState {
    Oid serverid = InvalidOid;
    Oid userid = InvalidOid;
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::KeptWrites kept;
    dynamo::Error error;
    dynamo::Item returned;
};

XactState *g_xact;

void ClearXact() {
    if (g_xact == nullptr)
        return;
    RunCpp([] {
        delete g_xact;
        g_xact = nullptr;
    });
}

// What an error at COMMIT names, copied out of the C++ state before that is freed.
struct CommitFailure {
    char *relname;
    char *table;
    char *key;
    char *reason;
};

// The kept entry that DynamoDB's cancellation reasons blame (the first that is not "None"), or
// the first entry when they blame none; the reason into `reason`. Pure C++.
size_t BlamedEntry(const dynamo::KeptWrites &kept, const std::vector<std::string> &reasons,
                   char *reason, size_t size) {
    const char *text = "no reason given";
    size_t index = 0;
    for (size_t i = 0; i < reasons.size() && i < kept.size(); i++)
        if (!reasons[i].empty() && reasons[i] != "None") {
            text = reasons[i].c_str();
            index = i;
            break;
        }
    snprintf(reason, size, "%s", text);
    return index;
}

CommitFailure Failure(size_t index, const char *reason) {
    CommitFailure f;
    const dynamo::KeptWrites::Entry *e = nullptr;
    RunCpp([&] { e = g_xact->kept.Current().at(index); });
    f.relname = pstrdup(e->relname.c_str());
    f.table = pstrdup(e->table.c_str());
    f.key = pstrdup(e->key_text.c_str());
    f.reason = pstrdup(reason);
    return f;
}

void RaiseConflict(const CommitFailure &f, int nitems) {
    ereport(ERROR,
            (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
             errmsg("could not serialize access due to concurrent update"),
             errdetail("DynamoDB refused the transaction's writes (%d item%s): item %s of DynamoDB "
                       "table \"%s\" (foreign table \"%s\"): %s. Nothing was written.",
                       nitems, nitems == 1 ? "" : "s", f.key, f.table, f.relname, f.reason),
             errhint("The item changed after this transaction read it, or a condition of the "
                     "statement that wrote it no longer holds. Run the transaction again.")));
}

// Sends the kept writes: nothing, the single-item request, or one TransactWriteItems. Errors
// leave the state for the abort callback to free.
void SendKept() {
    XactState *x = g_xact;
    size_t n = 0;
    RunCpp([&] { n = x->kept.size(); });
    if (n == 0)
        return;
    bool ok = false, failed = false, cancelled = false, unknown = false;
    char reason[128] = "";
    size_t blamed = 0;
    RunCpp([&] {
        if (n == 1) {
            const dynamo::TransactAction &a = x->kept.Current()[0]->action;
            if (a.kind == dynamo::TransactKind::Put)
                x->error = x->client->PutItem(a.request, failed, DynamoAbortRequested);
            else if (a.kind == dynamo::TransactKind::Update)
                x->error =
                    x->client->UpdateItem(a.request, failed, x->returned, DynamoAbortRequested);
            else
                x->error =
                    x->client->DeleteItem(a.request, failed, x->returned, DynamoAbortRequested);
            if (failed)
                snprintf(reason, sizeof(reason), "ConditionalCheckFailed");
        } else {
            std::vector<dynamo::TransactAction> actions;
            actions.reserve(n);
            for (const dynamo::KeptWrites::Entry *e : x->kept.Current())
                actions.push_back(e->action);
            std::string token = dynamo::NewClientRequestToken();
            x->error = x->client->TransactWriteItems(actions, token, DynamoAbortRequested);
            if (x->error.kind == dynamo::ErrorKind::Service &&
                x->error.type == "TransactionCanceledException") {
                cancelled = true;
                blamed = BlamedEntry(x->kept, dynamo::CancellationReasons(x->error.message), reason,
                                     sizeof(reason));
            }
            unknown = x->error.kind == dynamo::ErrorKind::Service &&
                      x->error.type == "UnknownOperationException";
        }
        ok = x->error.ok();
    });
    if (failed || cancelled)
        RaiseConflict(Failure(blamed, reason), (int)n);
    if (unknown)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("the DynamoDB endpoint does not support TransactWriteItems, which "
                        "COMMIT needs for the %d items this transaction wrote",
                        (int)n),
                 errdetail("With dynamodb.atomic_commit on, writes in a transaction block are "
                           "sent at COMMIT as one TransactWriteItems request. Nothing was "
                           "written."),
                 errhint("Use an endpoint that has TransactWriteItems, or set "
                         "dynamodb.atomic_commit = off to write each statement as it runs.")));
    if (!ok) {
        CommitFailure f = Failure(0, "");
        ReportClientError(&x->error, f.relname, NULL);
    }
}

void OnXactEvent(XactEvent event, void *arg) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
        case XACT_EVENT_PARALLEL_PRE_COMMIT:
            if (g_xact != nullptr) {
                SendKept();
                ClearXact();
            }
            break;
        case XACT_EVENT_PRE_PREPARE:
            if (g_xact != nullptr) {
                bool any = false;
                RunCpp([&] { any = !g_xact->kept.empty(); });
                if (any)
                    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                    errmsg("cannot PREPARE a transaction that wrote to DynamoDB "
                                           "foreign tables with dynamodb.atomic_commit on")));
            }
            break;
        default:
            // COMMIT (sent already), ABORT, PREPARE: whatever is left is discarded.
            ClearXact();
            break;
    }
}

void OnSubXactEvent(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
                    void *arg) {
    if (g_xact == nullptr)
        return;
    int level = GetCurrentTransactionNestLevel();
    if (event == SUBXACT_EVENT_ABORT_SUB)
        RunCpp([&] { g_xact->kept.AbortLevel(level); });
    else if (event == SUBXACT_EVENT_COMMIT_SUB)
        RunCpp([&] { g_xact->kept.CommitLevel(level); });
}

}  // namespace

void DynamoXactInit() {
    DefineCustomBoolVariable(
        "dynamodb.atomic_commit",
        "Sends the writes of a transaction block to DynamoDB at COMMIT, all or nothing.",
        "When on, INSERT, UPDATE and DELETE inside a transaction block are kept and sent at "
        "COMMIT as one TransactWriteItems (at most 100 items, 4 MB); ROLLBACK discards them. "
        "When off, each statement writes as it runs.",
        &dynamodb_atomic_commit, true, PGC_USERSET, 0, NULL, NULL, NULL);
    RegisterXactCallback(OnXactEvent, NULL);
    RegisterSubXactCallback(OnSubXactEvent, NULL);
}

bool DynamoDeferWrites() {
    if (!dynamodb_atomic_commit || !IsTransactionBlock())
        return false;
    // Inside a subtransaction (a PL/pgSQL block with EXCEPTION, a savepoint) IsTransactionBlock
    // speaks of the subtransaction. A transaction that began with the current statement is that
    // statement alone (autocommit): its writes go as they run.
    if (GetCurrentTransactionNestLevel() > 1 &&
        GetCurrentTransactionStartTimestamp() == GetCurrentStatementStartTimestamp())
        return false;
    return true;
}

int DynamoXactKeptCount() {
    int n = 0;
    if (g_xact != nullptr)
        RunCpp([&] { n = (int)g_xact->kept.size(); });
    return n;
}

bool DynamoXactTouchesTable(const char *table) {
    bool touches = false;
    if (g_xact != nullptr)
        RunCpp([&] { touches = g_xact->kept.TouchesTable(table); });
    return touches;
}

dynamo::Error DynamoXactReadView(const char *table, const dynamo::TableDescription &desc,
                                 const dynamo::IndexDescription *index,
                                 dynamo::DynamoClient *client, dynamo::KeptReadView &view,
                                 int64_t &requests) {
    std::vector<const dynamo::KeptWrites::Entry *> entries;
    if (g_xact != nullptr)
        for (const dynamo::KeptWrites::Entry *e : g_xact->kept.Current())
            if (e->table == table)
                entries.push_back(e);
    // What DynamoDB holds of the items the transaction updates (a put replaces the item, a
    // delete removes it: neither needs it).
    std::vector<dynamo::Item> keys;
    for (const dynamo::KeptWrites::Entry *e : entries)
        if (e->action.kind == dynamo::TransactKind::Update)
            keys.push_back(e->action.request.item);
    dynamo::Page held;
    if (!keys.empty()) {
        dynamo::ReadRequest get;
        get.table = table;
        get.consistent_read = true;
        dynamo::Error error = client->BatchGetItem(get, keys, held, DynamoAbortRequested);
        requests += (keys.size() + 99) / 100;
        if (!error.ok())
            return error;
    }
    std::vector<std::string> written;
    std::vector<dynamo::Item> items;
    for (const dynamo::KeptWrites::Entry *e : entries) {
        written.push_back(e->key_id);
        dynamo::Item item;
        bool exists = false;
        if (e->action.kind == dynamo::TransactKind::Update)
            for (dynamo::Item &h : held.items)
                if (dynamo::KeyIdentity(desc, h) == e->key_id) {
                    item = std::move(h);
                    exists = true;
                    break;
                }
        dynamo::ApplyKept(e->action.kind, e->action.request.item, e->spec, item, exists);
        // An index holds only the items that have its key attributes.
        if (exists && index != nullptr &&
            (dynamo::FindAttribute(item, index->hash.name) == nullptr ||
             (index->has_range && dynamo::FindAttribute(item, index->range.name) == nullptr)))
            exists = false;
        if (exists)
            items.push_back(std::move(item));
    }
    view.Reset(std::move(written), std::move(items));
    return dynamo::Error();
}

bool DynamoXactOverlay(const char *table, const dynamo::TableDescription &desc, dynamo::Item &item,
                       bool &exists) {
    if (g_xact == nullptr)
        return false;
    const dynamo::KeptWrites::Entry *e = g_xact->kept.Find(table, dynamo::KeyIdentity(desc, item));
    if (e == nullptr)
        return false;
    dynamo::ApplyKept(e->action.kind, e->action.request.item, e->spec, item, exists);
    return true;
}

void DynamoXactCountError(const char *relname, const char *table) {
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("a count(*) of foreign table \"%s\" planned before this transaction wrote to "
                    "DynamoDB table \"%s\" cannot see those writes",
                    relname, table),
             errdetail("With dynamodb.atomic_commit on, the transaction's writes are kept until "
                       "COMMIT; DynamoDB's own count (Select COUNT) does not include them. A "
                       "count planned after the writes reads the items and counts them in "
                       "Postgres."),
             errhint("Prepare the statement again (or DISCARD PLANS), or set "
                     "dynamodb.atomic_commit = off before the transaction.")));
}

namespace dynamo_write {

bool KeptOverlay(DynamoModifyState *st, bool *found) {
    bool kept = false;
    if (g_xact == nullptr)
        return false;
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        if (!*found)
            rt->returned = dynamo::KeyOf(rt->desc, rt->request.item);
        kept = DynamoXactOverlay(st->table, rt->desc, rt->returned, *found);
    });
    return kept;
}

void ExplainDeferred(ExplainState *es) {
    ExplainPropertyText("DynamoDB Write", "deferred to COMMIT", es);
    if (es->analyze)
        ExplainPropertyInteger("DynamoDB Kept Writes", NULL, DynamoXactKeptCount(), es);
}

namespace {

// RETURNING of a write kept for COMMIT, into rt->returned: the item as the transaction's kept
// writes leave it, read from DynamoDB (strongly consistent) with its kept write applied; empty
// when that leaves no item.
void ReturnKept(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    bool ok = false;
    RunCpp([&] {
        dynamo::ReadRequest get;
        get.table = rt->request.table;
        get.consistent_read = true;
        dynamo::Item key = dynamo::KeyOf(rt->desc, rt->request.item);
        bool found = false;
        rt->error = rt->client->GetItem(get, key, found, rt->returned, DynamoAbortRequested);
        ok = rt->error.ok();
        if (!ok)
            return;
        if (!found)
            rt->returned = key;
        DynamoXactOverlay(st->table, rt->desc, rt->returned, found);
        if (!found)
            rt->returned.clear();
    });
    if (!ok)
        Report(st);
}

}  // namespace

bool KeepWrite(DynamoModifyState *st, const char *operation) {
    ModifyRuntime *rt = st->rt;
    // RETURNING: a DELETE's row is the item before it, an UPDATE's the item after it.
    bool returning = false;
    RunCpp([&] { returning = rt->request.return_values; });
    bool return_before = returning && strcmp(operation, "DeleteItem") == 0;
    bool return_after = returning && strcmp(operation, "UpdateItem") == 0;
    if (g_xact != nullptr && (g_xact->serverid != st->serverid || g_xact->userid != st->userid)) {
        bool any = false;
        RunCpp([&] { any = !g_xact->kept.empty(); });
        if (any)
            ereport(ERROR,
                    (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                     errmsg("a transaction with dynamodb.atomic_commit on writes through one "
                            "foreign server and user mapping"),
                     errdetail("Foreign table \"%s\" uses another server or user mapping than "
                               "the tables this transaction already wrote to; one "
                               "TransactWriteItems goes to one endpoint with one identity.",
                               st->relname),
                     errhint("Commit in between, or set dynamodb.atomic_commit = off.")));
        ClearXact();
    }
    if (g_xact == nullptr) {
        RunCpp([&] { g_xact = new XactState(); });
        g_xact->serverid = st->serverid;
        g_xact->userid = st->userid;
        DynamoShareClient(st->serverid, st->userid, &g_xact->client);
    }

    // INSERT ... ON CONFLICT DO NOTHING: whether the item exists decides now whether the row
    // is inserted; the Put keeps its condition, so that COMMIT fails if one appeared meanwhile.
    bool conditional_put = false;
    RunCpp([&] {
        conditional_put = strcmp(operation, "PutItem") == 0 && !rt->request.condition.empty();
    });
    bool kept_before = false;
    if (conditional_put)
        RunCpp([&] {
            kept_before =
                g_xact->kept.HasItem(st->table, dynamo::KeyIdentity(rt->desc, rt->request.item));
        });
    if (conditional_put && kept_before) {
        // The item as the transaction left it decides.
        bool found = false;
        KeptOverlay(st, &found);
        if (found) {
            st->condition_failures++;
            return false;
        }
    } else if (conditional_put) {
        bool found = false, ok = false;
        RunCpp([&] {
            dynamo::ReadRequest get;
            get.table = rt->request.table;
            get.consistent_read = true;
            rt->error = rt->client->GetItem(get, dynamo::KeyOf(rt->desc, rt->request.item), found,
                                            rt->returned, DynamoAbortRequested);
            ok = rt->error.ok();
        });
        if (!ok)
            Report(st);
        if (found) {
            st->condition_failures++;
            return false;
        }
    }

    if (return_before)
        ReturnKept(st);

    char key[256];
    DynamoItemKeyText(&st->cx, &rt->request.item, key, sizeof(key));
    int level = GetCurrentTransactionNestLevel();
    dynamo::KeptWrites::Outcome outcome = dynamo::KeptWrites::Outcome::Kept;
    size_t count = 0, bytes = 0;
    RunCpp([&] {
        dynamo::KeptWrites::Entry e;
        e.level = level;
        e.table = st->table;
        e.relname = st->relname;
        e.key_text = key;
        dynamo::KindOfOperation(operation, e.action.kind);
        e.action.request = rt->request;
        e.action.request.return_values = false;
        e.hash_name = rt->desc.hash.name;
        if (e.action.kind == dynamo::TransactKind::Update) {
            e.spec.set = rt->set;
            e.spec.remove = rt->remove;
        }
        if (e.action.kind != dynamo::TransactKind::Put)
            e.spec.expect = rt->expected;
        if (e.action.kind != dynamo::TransactKind::Put)
            e.action.request.item = dynamo::KeyOf(rt->desc, rt->request.item);
        e.key_id = dynamo::KeyIdentity(rt->desc, rt->request.item);
        if (const dynamo::AttributeValue *h =
                dynamo::FindAttribute(rt->request.item, rt->desc.hash.name))
            e.partition_id = dynamo::PartitionIdentity(*h);
        outcome = g_xact->kept.Keep(std::move(e));
        count = g_xact->kept.size();
        bytes = g_xact->kept.bytes();
    });
    switch (outcome) {
        case dynamo::KeptWrites::Outcome::Kept:
            break;
        case dynamo::KeptWrites::Outcome::Unmergeable:
            elog(ERROR,
                 "an update of item %s of DynamoDB table \"%s\", which this transaction deleted",
                 key, st->table);
            break;
        case dynamo::KeptWrites::Outcome::TooMany:
            ereport(ERROR,
                    (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                     errmsg("a transaction can write at most %d DynamoDB items with "
                            "dynamodb.atomic_commit on",
                            (int)dynamo::kTransactActionLimit),
                     errdetail("Writing item %s of DynamoDB table \"%s\" would make %d; the "
                               "writes are sent at COMMIT as one TransactWriteItems, which "
                               "takes at most %d.",
                               key, st->table, (int)count + 1, (int)dynamo::kTransactActionLimit),
                     errhint("For bulk loads, set dynamodb.atomic_commit = off (each statement "
                             "then writes as it runs, in batches, not atomically).")));
            break;
        case dynamo::KeptWrites::Outcome::TooLarge:
            ereport(ERROR,
                    (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                     errmsg("a transaction can write at most 4 MB to DynamoDB with "
                            "dynamodb.atomic_commit on"),
                     errdetail("Writing item %s of DynamoDB table \"%s\" would cross it (%zu "
                               "bytes kept so far); the writes are sent at COMMIT as one "
                               "TransactWriteItems.",
                               key, st->table, bytes),
                     errhint("For bulk loads, set dynamodb.atomic_commit = off (each statement "
                             "then writes as it runs, in batches, not atomically).")));
            break;
    }
    if (return_after)
        ReturnKept(st);
    return true;
}

}  // namespace dynamo_write
