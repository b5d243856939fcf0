// Row-by-row writes: INSERT (PutItem, or BatchWriteItem for batches), UPDATE (UpdateItem on
// the row identity, with SET and REMOVE, the catch-all's changes, and the condition that the item
// still holds what the statement read), DELETE (DeleteItem, or BatchWriteItem when no row is
// returned), RETURNING, and their EXPLAIN.
#include "fdw/modify.hpp"

extern "C" {
#include "executor/executor.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/wait_event.h"
#include "nodes/makefuncs.h"
#include "utils/memutils.h"
}

using namespace dynamo_write;

namespace {

// The reason a write goes one request at a time when only the option asks for it (batches are
// still made).
const char *const kConcurrencyOne = "write_concurrency is 1";

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

// An UPDATE or DELETE row: the row begins, its key (the row identity) from the subplan's row
// in rt->request.item.
DynamoModifyState *BeginKeyedRow(ResultRelInfo *rinfo, TupleTableSlot *planSlot, RowContext *rc) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    BeginRow(st, rc);
    KeyFromJunk(st, planSlot);
    return st;
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
        size_t nset = rt->set.size(), nremove = rt->remove.size();
        dynamo::CatchAllChanges(rt->old_value, rt->value, rt->set, rt->remove);
        // Each member written must still hold what was read (or still be absent), so that a
        // concurrent change to it is not overwritten; other members are left as they are.
        auto as_read = [&](const std::string &name) {
            const dynamo::AttributeValue *was = dynamo::FindAttribute(rt->old_value.map, name);
            rt->member_expect.emplace_back(name, was != nullptr ? *was : dynamo::AttributeValue());
        };
        for (size_t i = nset; i < rt->set.size(); i++)
            as_read(rt->set[i].first);
        for (size_t i = nremove; i < rt->remove.size(); i++)
            as_read(rt->remove[i]);
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
    return st->defer ? 1 : st->batch_size;  // (kept writes go one by one)
}

// UPDATE, DELETE: the junk columns that carry the key in the subplan's rows.
void FindKeyJunk(DynamoModifyState *st, Plan *subplan) {
    int nkeys = st->has_range ? 2 : 1;
    for (int k = 0; k < nkeys; k++) {
        // (The table was described again since planning, and its key changed.)
        if (st->key_index[k] < 0)
            ereport(ERROR, (errcode(ERRCODE_FDW_ERROR),
                            errmsg("the key of DynamoDB table \"%s\" changed since the "
                                   "statement was planned",
                                   st->table)));
        const DynamoColumn *col = st->columns[st->key_index[k]].col;
        st->key_junk[k] =
            ExecFindJunkAttributeInTlist(subplan->targetlist, KeyJunkName(col->attnum, col->typid));
        if (!AttributeNumberIsValid(st->key_junk[k]))
            elog(ERROR, "could not find the key column \"%s\" in the rows to change", col->name);
    }
}

// UPDATE, DELETE: the junk columns that carry the values the statement read.
void FindReadColumns(DynamoModifyState *st, Plan *subplan) {
    st->read_attnum =
        (AttrNumber *)MemoryContextAlloc(st->cxt, sizeof(AttrNumber) * (st->cx.ncolumns + 1));
    st->read_junk =
        (AttrNumber *)MemoryContextAlloc(st->cxt, sizeof(AttrNumber) * (st->cx.ncolumns + 1));
    for (int i = 0; i < st->cx.ncolumns; i++) {
        AttrNumber attnum = st->columns[i].col->attnum;
        AttrNumber junk = ExecFindJunkAttributeInTlist(subplan->targetlist, ReadJunkName(attnum));
        if (!AttributeNumberIsValid(junk))
            continue;
        st->read_attnum[st->nread] = attnum;
        st->read_junk[st->nread] = junk;
        st->nread++;
    }
}

// UPDATE: the columns written.
void FindUpdateColumns(DynamoModifyState *st, ResultRelInfo *rinfo, EState *estate) {
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

// UPDATE: the old row (the wholerow Postgres fetched), for the catch-all's members that are gone;
// false when there is none.
bool OldRow(DynamoModifyState *st, ResultRelInfo *rinfo, TupleTableSlot *planSlot,
            HeapTupleData *oldtup) {
    if (!AttributeNumberIsValid(rinfo->ri_RowIdAttNo))
        return false;
    bool isnull;
    Datum whole = ExecGetJunkAttribute(planSlot, rinfo->ri_RowIdAttNo, &isnull);
    if (isnull)
        return false;
    HeapTupleHeader td = DatumGetHeapTupleHeader(whole);
    oldtup->t_len = HeapTupleHeaderGetDatumLength(td);
    ItemPointerSetInvalid(&oldtup->t_self);
    oldtup->t_tableOid = RelationGetRelid(st->rel);
    oldtup->t_data = td;
    return true;
}

// UPDATE: the assigned columns of the new row become rt->set and rt->remove. A key column may
// only keep its value; the catch-all's changes are its members'. oldtup is the old row or NULL.
void UpdateAssignments(DynamoModifyState *st, TupleTableSlot *slot, HeapTupleData *oldtup) {
    ModifyRuntime *rt = st->rt;
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
            Datum old = oldtup != NULL
                            ? heap_getattr(oldtup, attnum, RelationGetDescr(st->rel), &old_isnull)
                            : (Datum)0;
            DiffCatchAll(st, wc, old, oldtup == NULL || old_isnull);
            continue;
        }
        if (isnull) {
            RunCpp([&] { rt->remove.emplace_back(wc->col->name); });
            continue;
        }
        ColumnValue(st, wc, value, wc->col->typid);
        RunCpp([&] { rt->set.emplace_back(wc->col->name, std::move(rt->value)); });
    }
}

// UPDATE, DELETE: the values the statement read become rt->expected: the item must still hold
// them.
void ExpectedValues(DynamoModifyState *st, TupleTableSlot *planSlot) {
    ModifyRuntime *rt = st->rt;
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
}

// How many times one row is evaluated again after its item changed under the statement, before
// the statement gives up.
constexpr int kMaxReevaluations = 10;

// SQLSTATE 40001 for the row's item (rt->request.item holds its key); `why` completes the
// detail's sentence.
void SerializationFailure(DynamoModifyState *st, const char *why) {
    char key[256];
    DynamoItemKeyText(&st->cx, &st->rt->request.item, key, sizeof(key));
    ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                    errmsg("could not serialize access due to concurrent update"),
                    errdetail("Item %s of DynamoDB table \"%s\" (foreign table \"%s\") %s.", key,
                              st->table, st->relname, why),
                    errhint("Run the statement again.")));
}

// After a refusal and a new evaluation (planSlot): when the item, as the statement reads it,
// still holds what the refused write expected, DynamoDB refused because an attribute holds a
// value its column writes differently (a number in a text column): it would refuse again.
void UnchangedButRefused(DynamoModifyState *st, TupleTableSlot *planSlot) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] { rt->refused = rt->expected; });
    ExpectedValues(st, planSlot);
    const char *attr = NULL;
    bool attr_is_document = false;
    RunCpp([&] {
        if (rt->expected != rt->refused)
            return;
        // A member of the catch-all the refused write expected changed: a real change.
        for (const auto &e : rt->member_expect) {
            const dynamo::AttributeValue *now = dynamo::FindAttribute(rt->returned, e.first);
            if (e.second.type == dynamo::AttrType::NUL
                    ? now != nullptr && now->type != dynamo::AttrType::NUL
                    : now == nullptr || !(*now == e.second))
                return;
        }
        // The attribute that differs; when none does, one the endpoint could not compare.
        const char *document = NULL;
        for (const auto &e : rt->expected) {
            const dynamo::AttributeValue *now = dynamo::FindAttribute(rt->returned, e.first);
            bool same = e.second.type == dynamo::AttrType::NUL
                            ? now == nullptr || now->type == dynamo::AttrType::NUL
                            : now != nullptr && *now == e.second;
            if (!same) {
                attr = e.first.c_str();
                break;
            }
            if (document == NULL &&
                (e.second.type == dynamo::AttrType::M || e.second.type == dynamo::AttrType::L))
                document = e.first.c_str();
        }
        if (attr == NULL) {
            attr = document;
            attr_is_document = document != NULL;
        }
    });
    if (attr == NULL)
        return;
    char key[256];
    DynamoItemKeyText(&st->cx, &rt->request.item, key, sizeof(key));
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("cannot write item %s of foreign table \"%s\" on the condition that it still "
                    "holds what this statement read",
                    key, st->relname),
             attr_is_document
                 ? errdetail("The endpoint does not find the map or list in attribute \"%s\" equal "
                             "to the value as read (dynalite compares no large documents).",
                             attr)
                 : errdetail("Attribute \"%s\" holds a value of another type than its column "
                             "writes, so DynamoDB never finds it equal to the value as read.",
                             attr),
             errhint("Declare the column with the type of the attribute's values.")));
}

// After a conditional write of an UPDATE or DELETE row was refused. False: the row does not
// count (the item is gone, or as it is now it no longer satisfies the statement's WHERE clause).
// True: *planSlot is the statement's row computed again from the item as it is now, to be
// written again on the condition that the item still holds that. This is what READ COMMITTED
// does after a concurrent update (Postgres's EvalPlanQual: the statement's plan runs again on
// the new version of the row). `attempt` counts the refusals of this row.
bool Reevaluate(DynamoModifyState *st, ResultRelInfo *rinfo, int attempt,
                TupleTableSlot **planSlot) {
    if (!st->expects_values)
        return false;  // the only condition was that the item exists
    // Writers that keep colliding on one item step aside for a random moment (at most 2, 4, 8,
    // ... 64 ms), so that one of them gets through.
    if (attempt > 1 && st->can_recheck) {
        long cap = 1L << Min(attempt, 6);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        random() % (cap + 1), PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    st->rereads++;
    if (!ReadCurrentItem(st))
        return false;
    if (!st->can_recheck)
        SerializationFailure(st,
                             "changed after this statement read it (a statement with BEFORE "
                             "ROW triggers is not evaluated again on the new item)");
    if (attempt > kMaxReevaluations)
        SerializationFailure(st,
                             psprintf("changed %d times while this statement wrote it", attempt));
    StoreReturned(st, st->current_row);
    st->rechecks++;
    // (The first evaluation builds the plan's copy for the statement, not for this row.)
    MemoryContext row = MemoryContextSwitchTo(st->mtstate->ps.state->es_query_cxt);
    TupleTableSlot *epq = EvalPlanQual(&st->mtstate->mt_epqstate, st->rel,
                                       rinfo->ri_RangeTableIndex, st->current_row);
    MemoryContextSwitchTo(row);
    if (TupIsNull(epq))
        return false;
    *planSlot = epq;
    UnchangedButRefused(st, epq);
    return true;
}

// The condition of a row's UpdateItem or DeleteItem as EXPLAIN shows it: the item exists and
// holds what the statement read of each column it expects.
char *ExpectedText(DynamoModifyState *st, const char *hash) {
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfo(&buf, "attribute_exists(%s)", ShownName(hash));
    for (int i = 0; i < st->nread; i++)
        appendStringInfo(&buf, " AND %s = (as read)",
                         ShownName(ColumnByAttnum(st, st->read_attnum[i])->col->name));
    for (int i = 0; st->operation == CMD_UPDATE && i < st->cx.ncolumns; i++)
        if (st->columns[i].spread &&
            bms_is_member(st->columns[i].col->attnum - FirstLowInvalidHeapAttributeNumber,
                          st->targets))
            appendStringInfo(&buf, " AND (each member of %s written) = (as read)",
                             ShownName(st->columns[i].col->name));
    return buf.data;
}

// UPDATE: the request for the new row `slot` (planSlot: the subplan's row it came from); false
// when it assigns nothing.
bool BuildRowUpdate(DynamoModifyState *st, ResultRelInfo *rinfo, TupleTableSlot *slot,
                    TupleTableSlot *planSlot) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        rt->set.clear();
        rt->remove.clear();
        rt->member_expect.clear();
    });
    slot_getallattrs(slot);
    HeapTupleData oldtup;
    bool have_old = OldRow(st, rinfo, planSlot, &oldtup);
    UpdateAssignments(st, slot, have_old ? &oldtup : NULL);
    ExpectedValues(st, planSlot);
    bool assigns = false;
    RunCpp([&] {
        assigns = !rt->set.empty() || !rt->remove.empty();
        if (assigns) {
            dynamo::UpdateSpec spec;
            spec.set = rt->set;
            spec.remove = rt->remove;
            spec.expect = rt->expected;
            spec.expect.insert(spec.expect.end(), rt->member_expect.begin(),
                               rt->member_expect.end());
            dynamo::BuildUpdateSpec(spec, rt->desc.hash.name, rt->request);
            rt->request.return_values = st->has_returning;
        }
    });
    return assigns;
}

// UPDATE of one row (slot, computed from planSlot), one request at a time: an UpdateItem on its
// key that sets and removes the assigned columns, on the condition that the item still holds the
// values the statement read; while DynamoDB refuses because the item changed, the row is
// evaluated again on the item as it is now and that is written. The row written (RETURNING's
// when asked), or NULL when it does not count. `refusals`: the row's refusals so far.
TupleTableSlot *UpdateRow(DynamoModifyState *st, ResultRelInfo *rinfo, TupleTableSlot *slot,
                          TupleTableSlot *planSlot, int refusals) {
    for (int attempt = refusals + 1;; attempt++) {
        if (!BuildRowUpdate(st, rinfo, slot, planSlot))
            return slot;
        if (SendSingle(st, "UpdateItem"))
            return st->has_returning ? StoreReturned(st, slot) : slot;
        if (!Reevaluate(st, rinfo, attempt, &planSlot))
            return NULL;
        // The new row, from the statement's SET expressions on the item as it is now.
        slot = ExecGetUpdateNewTuple(rinfo, planSlot, st->current_row);
    }
}

// DELETE of one row, one request at a time: a DeleteItem on its key on the condition that the
// item still holds what the statement read; evaluated again as UpdateRow does. slot when the
// row counts (RETURNING's row when asked), else NULL.
TupleTableSlot *DeleteRow(DynamoModifyState *st, ResultRelInfo *rinfo, TupleTableSlot *slot,
                          TupleTableSlot *planSlot, int refusals) {
    ModifyRuntime *rt = st->rt;
    for (int attempt = refusals + 1;; attempt++) {
        ExpectedValues(st, planSlot);
        RunCpp([&] {
            dynamo::BuildExpectCondition(rt->desc.hash.name, rt->expected, rt->request);
            rt->request.return_values = st->has_returning;
        });
        if (SendSingle(st, "DeleteItem")) {
            if (!st->has_returning)
                return slot;
            bool gone = false;
            RunCpp([&] { gone = rt->returned.empty(); });
            return gone ? NULL : StoreReturned(st, slot);
        }
        if (!Reevaluate(st, rinfo, attempt, &planSlot))
            return NULL;
    }
}

}  // namespace

// Writes whose row count or result needs each answer before the next row, or whose rows
// others could watch being written (triggers), go one request at a time; every other write
// keeps up to write_concurrency requests in flight.
const char *dynamo_write::WriteModeReason(DynamoModifyState *st, ResultRelInfo *rinfo) {
    if (st->mode_known || rinfo == NULL)
        return st->one_at_a_time;
    const char *why = NULL;
    TriggerDesc *trig = rinfo->ri_TrigDesc;
    // (Kept for COMMIT: nothing is sent now; EXPLAIN says so itself.)
    if (st->defer) {
        st->one_at_a_time = "kept until COMMIT";
        st->mode_known = true;
        return st->one_at_a_time;
    }
    bool returning = st->has_returning || rinfo->ri_projectReturning != NULL;
    if (st->operation == CMD_INSERT) {
        if (st->on_conflict_nothing)
            why = "ON CONFLICT needs each answer";
        else if (returning)
            why = "RETURNING needs each answer";
        else if (trig != NULL && (trig->trig_insert_before_row || trig->trig_insert_after_row ||
                                  trig->trig_insert_after_statement))
            why = "the table has triggers";
    } else {
        bool update = st->operation == CMD_UPDATE;
        if (returning)
            why = "RETURNING needs each answer";
        else if (trig != NULL &&
                 (update ? (trig->trig_update_before_row || trig->trig_update_after_row ||
                            trig->trig_update_after_statement)
                         : (trig->trig_delete_before_row || trig->trig_delete_after_row ||
                            trig->trig_delete_after_statement)))
            why = "the table has triggers";
        else if (!st->batch_deletes && !st->own_scan)
            why = "the rows do not come straight from a scan of the table";
    }
    if (why == NULL && rinfo->ri_WithCheckOptions != NIL)
        why = "WITH CHECK OPTION";
    if (why == NULL && st->write_concurrency <= 1)
        why = kConcurrencyOne;
    st->one_at_a_time = why;
    st->mode_known = true;
    return why;
}

void dynamo_write::ResolveRefused(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    for (;;) {
        RowContext rc;
        BeginRow(st, &rc);
        bool more = false;
        RunCpp([&] {
            std::vector<dynamo::RefusedWrite> &refused = rt->pipeline->refused();
            more = !refused.empty();
            if (more) {
                rt->request.item = std::move(refused.front().key);
                refused.erase(refused.begin());
            }
        });
        if (!more) {
            EndRow(&rc);
            return;
        }
        st->condition_failures++;
        // (What the refused write expected is not at hand: nothing to compare with.)
        RunCpp([&] {
            rt->expected.clear();
            rt->member_expect.clear();
        });
        // The item changed since it was read: the row is evaluated again on the item as it is
        // now and written one request at a time; when it is gone or no longer satisfies the
        // WHERE clause, the row count the statement reports leaves it out.
        bool counts = false;
        TupleTableSlot *planSlot = NULL;
        if (Reevaluate(st, st->rinfo, 1, &planSlot)) {
            if (st->operation == CMD_UPDATE)
                counts = UpdateRow(st, st->rinfo,
                                   ExecGetUpdateNewTuple(st->rinfo, planSlot, st->current_row),
                                   planSlot, 1) != NULL;
            else
                counts = DeleteRow(st, st->rinfo, st->current_row, planSlot, 1) != NULL;
        }
        if (!counts && st->counts_rows && st->estate->es_processed > 0)
            st->estate->es_processed--;
        EndRow(&rc);
    }
}

// The end of the scan that feeds an UPDATE or DELETE of the same table is the end of its rows:
// the writes still in flight are waited for here, while the statement's row count can still
// leave out the rows whose items were gone.
void DynamoWritesAtScanEnd(ForeignScanState *node) {
    EState *estate = node->ss.ps.state;
    Index rti = ((Scan *)node->ss.ps.plan)->scanrelid;
    if (estate->es_result_relations == NULL || rti == 0 || rti > estate->es_range_table_size)
        return;
    ResultRelInfo *rinfo = estate->es_result_relations[rti - 1];
    if (rinfo == NULL || rinfo->ri_usesFdwDirectModify || rinfo->ri_FdwState == NULL)
        return;
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    if (!st->own_scan || st->cxt == NULL || st->rt == NULL || !st->rt->client)
        return;
    DrainWrites(st);
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
        FindKeyJunk(st, outerPlanState(mtstate)->plan);
        FindReadColumns(st, outerPlanState(mtstate)->plan);
    }
    if (op == CMD_UPDATE)
        FindUpdateColumns(st, rinfo, estate);
    // A row whose item changed is evaluated again unless a BEFORE ROW trigger made the row
    // written (a trigger is not run twice for one row).
    TriggerDesc *trig = rinfo->ri_TrigDesc;
    st->expects_values = st->nread > 0;
    for (int i = 0; op == CMD_UPDATE && i < st->cx.ncolumns; i++)
        if (st->columns[i].spread &&
            bms_is_member(st->columns[i].col->attnum - FirstLowInvalidHeapAttributeNumber,
                          st->targets))
            st->expects_values = true;
    st->mtstate = mtstate;
    st->rinfo = rinfo;
    st->can_recheck =
        (op == CMD_UPDATE || op == CMD_DELETE) && st->expects_values &&
        !(trig != NULL && (trig->trig_update_before_row || trig->trig_delete_before_row));
    if (st->can_recheck)
        st->current_row = ExecInitExtraTupleSlot(estate, RelationGetDescr(st->rel), &TTSOpsVirtual);
    // Deletes of rows the statement does not return go as BatchWriteItem requests, unless each
    // must be conditional on the values the statement read (a batch takes no conditions).
    st->batch_deletes =
        op == CMD_DELETE && !st->has_returning && st->batch_size > 1 && st->nread == 0 &&
        !st->defer &&
        !(trig != NULL && (trig->trig_delete_before_row || trig->trig_delete_after_row));
    // Row-by-row writes of UPDATE and DELETE may stay in flight when the rows come straight from
    // a scan of this table (its end is the end of the rows: DynamoWritesAtScanEnd).
    PlanState *sub = outerPlanState(mtstate);
    st->counts_rows = mtstate->canSetTag;
    // (A ForeignScan of the result relation's own range table entry is a scan of this table.)
    st->own_scan = (op == CMD_UPDATE || op == CMD_DELETE) && sub != NULL &&
                   IsA(sub, ForeignScanState) &&
                   ((Scan *)sub->plan)->scanrelid == rinfo->ri_RangeTableIndex;
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
    // (COPY before PostgreSQL 16 writes row by row: its rows go in batches too, one request at a
    // time when write_concurrency is 1.)
    const char *why = WriteModeReason(st, rinfo);
    if (why == NULL || why == kConcurrencyOne) {
        AddToBatch(st, false, st->batch_size);
        EndRow(&rc);
        return slot;
    }
    bool written = SendSingle(st, "PutItem");
    EndRow(&rc);
    return written ? slot : NULL;
}

TupleTableSlot **DynamoExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
                                              TupleTableSlot **slots, TupleTableSlot **planSlots,
                                              int *numSlots) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    WriteModeReason(st, rinfo);
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
    RowContext rc;
    DynamoModifyState *st = BeginKeyedRow(rinfo, planSlot, &rc);
    TupleTableSlot *result;
    if (WriteModeReason(st, rinfo) == NULL) {
        // Counted now; a refusal is settled later (ResolveRefused).
        bool assigns = BuildRowUpdate(st, rinfo, slot, planSlot);
        EndRow(&rc);
        if (assigns)
            SendInFlight(st, "UpdateItem");
        return slot;
    }
    result = UpdateRow(st, rinfo, slot, planSlot, 0);
    EndRow(&rc);
    return result;
}

// DELETE of one row: a DeleteItem on its key, or a place in a BatchWriteItem.
TupleTableSlot *DynamoExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot) {
    TupleTableSlot *result = slot;
    RowContext rc;
    DynamoModifyState *st = BeginKeyedRow(rinfo, planSlot, &rc);
    ModifyRuntime *rt = st->rt;
    if (WriteModeReason(st, rinfo) == NULL && !st->batch_deletes) {
        ExpectedValues(st, planSlot);
        RunCpp([&] {
            dynamo::BuildExpectCondition(rt->desc.hash.name, rt->expected, rt->request);
            rt->request.return_values = false;
        });
        EndRow(&rc);
        SendInFlight(st, "DeleteItem");
        return slot;
    }
    if (st->batch_deletes)
        AddToBatch(st, true, st->batch_size);
    else
        result = DeleteRow(st, rinfo, slot, planSlot, 0);
    EndRow(&rc);
    return result;
}

void DynamoEndForeignModify(EState *estate, ResultRelInfo *rinfo) {
    DynamoModifyState *st = (DynamoModifyState *)rinfo->ri_FdwState;
    if (st == NULL || st->cxt == NULL)
        return;
    if (st->rt != NULL && st->rt->client)
        DrainWrites(st);
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
    if (st->defer)
        ExplainDeferred(es);
    if (batch > 1)
        ExplainPropertyInteger("DynamoDB Batch Size", NULL, batch, es);
    ExplainWriteMode(st, rinfo, es);
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
            ExplainPropertyText("DynamoDB Condition", ExpectedText(st, hash), es);
        } else if (st->operation == CMD_DELETE && !st->batch_deletes) {
            ExplainPropertyText("DynamoDB Condition", ExpectedText(st, hash), es);
        } else if (st->operation == CMD_INSERT && st->on_conflict_nothing) {
            ExplainPropertyText("DynamoDB Condition",
                                psprintf("attribute_not_exists(%s)", ShownName(hash)), es);
        }
    }
    if (es->analyze && st->cxt != NULL && st->rt != NULL && st->rt->client) {
        // Writes still collected for a batch or in flight are sent and waited for now rather
        // than at the end of the statement, so that the figures are whole.
        DrainWrites(st);
        if (st->rereads > 0 || es->format != EXPLAIN_FORMAT_TEXT)
            ExplainPropertyInteger("DynamoDB Items Read Again", NULL, st->rereads, es);
        if (st->rechecks > 0 || es->format != EXPLAIN_FORMAT_TEXT)
            ExplainPropertyInteger("DynamoDB Rows Evaluated Again", NULL, st->rechecks, es);
        ExplainWriteCounts(st, es);
    }
}
