// Row-by-row writes: INSERT (PutItem, or BatchWriteItem for batches), UPDATE (UpdateItem on
// the row identity, with SET and REMOVE, the catch-all's changes, and the condition that the item
// still holds what the statement read), DELETE (DeleteItem, or BatchWriteItem when no row is
// returned), RETURNING, and their EXPLAIN.
#include "fdw/modify.hpp"

extern "C" {
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "utils/memutils.h"
}

using namespace dynamo_write;

namespace {

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
        dynamo::CatchAllChanges(rt->old_value, rt->value, rt->set, rt->remove);
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

// After a conditional write was refused: the item is gone (nothing to write: the row does not
// count), or it changed since it was read, and writing would overwrite a change this statement
// did not see: a serialization failure.
void ChangedSinceRead(DynamoModifyState *st) {
    if (st->nread == 0)
        return;
    st->rereads++;
    if (ReadCurrentItem(st))
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("could not serialize access due to concurrent update"),
                        errdetail("The item of DynamoDB table \"%s\" changed after this statement "
                                  "read it.",
                                  st->table),
                        errhint("Run the statement again.")));
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
    return buf.data;
}

// A DELETE's condition: the item exists and holds the values the statement read (a NULL read:
// absent or the NULL type). Pure C++ (inside RunCpp).
dynamo::Condition ExpectedCondition(ModifyRuntime *rt) {
    std::vector<dynamo::Condition> parts;
    parts.push_back(dynamo::Condition::Exists(rt->desc.hash.name));
    for (const auto &e : rt->expected) {
        if (e.second.type == dynamo::AttrType::NUL)
            parts.push_back(
                dynamo::Condition::Or({dynamo::Condition::NotExists(e.first),
                                       dynamo::Condition::TypeIs(e.first, dynamo::AttrType::NUL)}));
        else
            parts.push_back(dynamo::Condition::Compare(e.first, dynamo::CompareOp::Eq,
                                                       dynamo::Operand::Const(e.second)));
    }
    return dynamo::Condition::And(std::move(parts));
}

}  // namespace

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
    // Deletes of rows the statement does not return go as BatchWriteItem requests, unless each
    // must be conditional on the values the statement read (a batch takes no conditions).
    TriggerDesc *trig = rinfo->ri_TrigDesc;
    st->batch_deletes =
        op == CMD_DELETE && !st->has_returning && st->batch_size > 1 && st->nread == 0 &&
        !st->defer &&
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

// UPDATE of one row: an UpdateItem on its key that sets and removes the assigned columns, on the
// condition that the item still holds the values the statement read.
TupleTableSlot *DynamoExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                        TupleTableSlot *planSlot) {
    RowContext rc;
    DynamoModifyState *st = BeginKeyedRow(rinfo, planSlot, &rc);
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        rt->set.clear();
        rt->remove.clear();
    });
    slot_getallattrs(slot);
    HeapTupleData oldtup;
    bool have_old = OldRow(st, rinfo, planSlot, &oldtup);
    UpdateAssignments(st, slot, have_old ? &oldtup : NULL);
    ExpectedValues(st, planSlot);

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
            ChangedSinceRead(st);
            result = NULL;
        } else if (st->has_returning) {
            result = StoreReturned(st, slot);
        }
    }
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
    if (st->batch_deletes) {
        AddToBatch(st, true, st->batch_size);
    } else {
        ExpectedValues(st, planSlot);
        RunCpp([&] {
            dynamo::BuildDeleteCondition(ExpectedCondition(rt), rt->request);
            rt->request.return_values = st->has_returning;
        });
        if (!SendSingle(st, "DeleteItem")) {
            ChangedSinceRead(st);
            result = NULL;
        } else if (st->has_returning) {
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
        // Deletes still collected for a batch are sent now rather than at the end of the
        // statement, so that the figures are whole.
        FlushBatch(st);
        if (st->rereads > 0 || es->format != EXPLAIN_FORMAT_TEXT)
            ExplainPropertyInteger("DynamoDB Items Read Again", NULL, st->rereads, es);
        ExplainWriteCounts(st, es);
    }
}
