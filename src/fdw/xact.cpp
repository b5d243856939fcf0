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

// What an action sent at COMMIT names in errors.
struct ActionName {
    std::string relname, table, key_text;
};

// An item read in a REPEATABLE READ or SERIALIZABLE transaction block: at COMMIT it must still
// hold every attribute as read.
struct ReadCheck {
    std::string table;
    std::string relname;
    std::string key_id;
    std::string key_text;
    std::string hash_name;
    dynamo::Item key;
    std::vector<std::pair<std::string, dynamo::AttributeValue>> expect;
};

// The kept writes of the current transaction, with the client they are sent through (one
// server and user mapping per transaction: one TransactWriteItems goes to one endpoint).
struct XactState {
    Oid serverid = InvalidOid;
    Oid userid = InvalidOid;
    std::shared_ptr<dynamo::DynamoClient> client;
    dynamo::KeptWrites kept;
    dynamo::Error error;
    dynamo::Item returned;
    // REPEATABLE READ and SERIALIZABLE: the items the transaction read (the first time), checked
    // at COMMIT (a ConditionCheck each, unless the item is written) when it writes anything.
    std::vector<ReadCheck> reads;
    bool reads_overflow = false;    // more than a transaction can check were read
    bool reads_elsewhere = false;   // items read through another server or user mapping
    std::vector<ActionName> names;  // of the actions sent at COMMIT, in order
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

// The action that DynamoDB's cancellation reasons blame (the first that is not "None"), or the
// first when they blame none; the reason into `reason`. Pure C++.
size_t BlamedEntry(size_t actions, const std::vector<std::string> &reasons, char *reason,
                   size_t size) {
    const char *text = "no reason given";
    size_t index = 0;
    for (size_t i = 0; i < reasons.size() && i < actions; i++)
        if (!reasons[i].empty() && reasons[i] != "None") {
            text = reasons[i].c_str();
            index = i;
            break;
        }
    snprintf(reason, size, "%s", text);
    return index;
}

CommitFailure Failure(const std::vector<ActionName> &names, size_t index, const char *reason) {
    CommitFailure f;
    const ActionName *n = nullptr;
    RunCpp([&] { n = &names.at(index); });
    f.relname = pstrdup(n->relname.c_str());
    f.table = pstrdup(n->table.c_str());
    f.key = pstrdup(n->key_text.c_str());
    f.reason = pstrdup(reason);
    return f;
}

// The ConditionChecks of the items the transaction read and does not write. Pure C++.
void AddReadChecks(const XactState &x, std::vector<dynamo::TransactAction> &actions,
                   std::vector<ActionName> &names) {
    for (const ReadCheck &r : x.reads) {
        if (x.kept.HasItem(r.table, r.key_id))
            continue;  // checked by its write's condition
        dynamo::TransactAction a;
        a.kind = dynamo::TransactKind::ConditionCheck;
        a.request.table = r.table;
        a.request.item = r.key;
        dynamo::BuildExpectCondition(r.hash_name, r.expect, a.request);
        actions.push_back(std::move(a));
        names.push_back({r.relname, r.table, r.key_text});
    }
}

// Items the transaction would check at COMMIT: those it read and does not write. Pure C++.
size_t UnwrittenReads(const XactState &x) {
    size_t n = 0;
    for (const ReadCheck &r : x.reads)
        if (!x.kept.HasItem(r.table, r.key_id))
            n++;
    return n;
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

// Sends the kept writes: nothing, the single-item request, or one TransactWriteItems (with the
// ConditionChecks of items read, in REPEATABLE READ and SERIALIZABLE). Errors leave the state
// for the abort callback to free.
void SendKept() {
    XactState *x = g_xact;
    size_t n = 0, checks = 0;
    RunCpp([&] {
        n = x->kept.size();
        checks = n > 0 ? UnwrittenReads(*x) : 0;
    });
    if (n == 0)
        return;
    bool ok = false, failed = false, cancelled = false, unknown = false;
    char reason[128] = "";
    size_t blamed = 0;
    RunCpp([&] {
        x->names.clear();
        for (const dynamo::KeptWrites::Entry *e : x->kept.Current())
            x->names.push_back({e->relname, e->table, e->key_text});
        if (n == 1 && checks == 0) {
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
            AddReadChecks(*x, actions, x->names);
            std::string token = dynamo::NewClientRequestToken();
            x->error = x->client->TransactWriteItems(actions, token, DynamoAbortRequested);
            if (x->error.kind == dynamo::ErrorKind::Service &&
                x->error.type == "TransactionCanceledException") {
                cancelled = true;
                blamed = BlamedEntry(x->names.size(), dynamo::CancellationReasons(x->error.message),
                                     reason, sizeof(reason));
            }
            unknown = x->error.kind == dynamo::ErrorKind::Service &&
                      x->error.type == "UnknownOperationException";
        }
        ok = x->error.ok();
    });
    CommitFailure f = Failure(x->names, (failed || cancelled) ? blamed : 0, reason);
    if (failed || cancelled)
        RaiseConflict(f, (int)n);
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
    if (!ok)
        ReportClientError(&x->error, f.relname, NULL);
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

bool DynamoXactChecksReads() {
    return DynamoDeferWrites() && IsolationUsesXactSnapshot();
}

namespace {

// The state of the current transaction, made for the server and user mapping given when there
// is none.
void EnsureXact(Oid serverid, Oid userid) {
    if (g_xact != nullptr)
        return;
    RunCpp([&] { g_xact = new XactState(); });
    g_xact->serverid = serverid;
    g_xact->userid = userid;
    DynamoShareClient(serverid, userid, &g_xact->client);
}

void RaiseTooManyChecks(const char *table) {
    ereport(ERROR,
            (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
             errmsg("a %s transaction that writes to DynamoDB can check at most %d items",
                    XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ",
                    (int)dynamo::kTransactActionLimit),
             errdetail("At COMMIT every item the transaction read must still hold what it read, "
                       "so each item it read (last: of DynamoDB table \"%s\") and each item it "
                       "writes is one action of a TransactWriteItems, which takes at most %d.",
                       table, (int)dynamo::kTransactActionLimit),
             errhint("Read fewer items (add key conditions), run the transaction at READ "
                     "COMMITTED, or set dynamodb.atomic_commit = off.")));
}

}  // namespace

void DynamoXactRecordRead(Oid serverid, Oid userid, const char *relname, const char *table,
                          DynamoConvertContext *cx, const dynamo::Item &item) {
    if (g_xact != nullptr && (g_xact->serverid != serverid || g_xact->userid != userid)) {
        bool writes = false, reads = false;
        RunCpp([&] {
            writes = !g_xact->kept.empty();
            reads = !g_xact->reads.empty();
        });
        if (writes)
            ereport(ERROR,
                    (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                     errmsg("a %s transaction that writes to DynamoDB reads through the foreign "
                            "server and user mapping it writes through",
                            XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
                     errdetail("Foreign table \"%s\" uses another server or user mapping; what "
                               "it reads could not be checked at COMMIT with the writes.",
                               relname),
                     errhint("Run the transaction at READ COMMITTED, or set "
                             "dynamodb.atomic_commit = off.")));
        if (reads) {
            g_xact->reads_elsewhere = true;
            return;
        }
        ClearXact();
    }
    EnsureXact(serverid, userid);
    if (g_xact->reads_overflow)
        return;
    char key[256];
    DynamoItemKeyText(cx, &item, key, sizeof(key));
    bool overflow = false, writes = false;
    RunCpp([&] {
        XactState *x = g_xact;
        std::string id = dynamo::KeyIdentity(*cx->desc, item);
        if (id.empty())
            return;
        for (const ReadCheck &r : x->reads)
            if (r.table == table && r.key_id == id)
                return;  // the first read is the one checked
        if (x->reads.size() + x->kept.size() >= dynamo::kTransactActionLimit) {
            x->reads_overflow = overflow = true;
            writes = !x->kept.empty();
            return;
        }
        ReadCheck r;
        r.table = table;
        r.relname = relname;
        r.key_id = std::move(id);
        r.key_text = key;
        r.hash_name = cx->desc->hash.name;
        r.key = dynamo::KeyOf(*cx->desc, item);
        r.expect.assign(item.begin(), item.end());
        x->reads.push_back(std::move(r));
    });
    if (overflow && writes)
        RaiseTooManyChecks(table);
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
        RunCpp([&] { any = !g_xact->kept.empty() || !g_xact->reads.empty(); });
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
    EnsureXact(st->serverid, st->userid);
    if (g_xact->reads_elsewhere)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("a %s transaction that writes to DynamoDB reads through the foreign "
                        "server and user mapping it writes through",
                        XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
                 errdetail("This transaction read through two servers or user mappings; what it "
                           "read could not be checked at COMMIT with the writes to foreign table "
                           "\"%s\".",
                           st->relname),
                 errhint("Run the transaction at READ COMMITTED, or set "
                         "dynamodb.atomic_commit = off.")));

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
    bool too_many = false;
    RunCpp([&] {
        too_many = g_xact->reads_overflow ||
                   g_xact->kept.size() + UnwrittenReads(*g_xact) > dynamo::kTransactActionLimit;
    });
    if (too_many)
        RaiseTooManyChecks(st->table);
    if (return_after)
        ReturnKept(st);
    return true;
}

}  // namespace dynamo_write
