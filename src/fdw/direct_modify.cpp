// UPDATE and DELETE whose WHERE clause fixes the whole key, as one request (planned by
// DynamoPlanDirectModify in modify_plan.cpp): the key and values evaluated, an UpdateItem in
// which DynamoDB computes the arithmetic assignments (read-then-write with a condition where it
// cannot, and SQLSTATE 40001 when the item keeps changing) or a DeleteItem, RETURNING, and their
// EXPLAIN.
#include "fdw/modify.hpp"

extern "C" {
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}

using namespace dynamo_write;

namespace {

// The number text of `a op b` (op '+' or '-'), computed exactly with numeric, palloc'd.
char *NumberArithmetic(const char *a, const char *b, bool subtract) {
    Datum x = DirectFunctionCall3(numeric_in, CStringGetDatum(a), ObjectIdGetDatum(InvalidOid),
                                  Int32GetDatum(-1));
    Datum y = DirectFunctionCall3(numeric_in, CStringGetDatum(b), ObjectIdGetDatum(InvalidOid),
                                  Int32GetDatum(-1));
    Datum r = DirectFunctionCall2(subtract ? numeric_sub : numeric_add, x, y);
    return DatumGetCString(DirectFunctionCall1(numeric_out, r));
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

// The UpdateItem of rt's SETs, arithmetic and REMOVEs on the WHERE clause's conditions.
void BuildDirectUpdate(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        dynamo::UpdateSpec spec;
        spec.set = rt->set;
        spec.arith = rt->arith;
        spec.appends = rt->appends;
        spec.remove = rt->remove;
        spec.also = rt->also;
        dynamo::BuildUpdateSpec(spec, rt->desc.hash.name, rt->request);
        rt->request.return_values = st->has_returning;
    });
}

// Whether DynamoDB can compute the arithmetic from the item as read into rt->returned (another
// session wrote a number meanwhile): each attribute a number, or absent with a start. rt->expected
// then holds the values read. Pure C++ (inside RunCpp).
bool ComputableFromItem(ModifyRuntime *rt) {
    for (const dynamo::Arithmetic &a : rt->arith) {
        const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, a.attr);
        bool number = v != nullptr && v->type == dynamo::AttrType::N;
        if (!number && !(v == nullptr && a.has_start))
            return false;
    }
    for (const dynamo::ListAppend &a : rt->appends) {
        const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, a.attr);
        if (v == nullptr || v->type != dynamo::AttrType::L)
            return false;
    }
    rt->expected.clear();
    auto expect = [rt](const std::string &attr) {
        const dynamo::AttributeValue *v = dynamo::FindAttribute(rt->returned, attr);
        rt->expected.emplace_back(attr, v ? *v : dynamo::AttributeValue());
    };
    for (const dynamo::Arithmetic &a : rt->arith)
        expect(a.attr);
    for (const dynamo::ListAppend &a : rt->appends)
        expect(a.attr);
    return true;
}

// The concatenations of the direct UPDATE computed as Postgres computes them, from the item as
// read into rt->returned: into spec's SETs and REMOVEs, each expecting the value read.
void ComputeAppends(DynamoModifyState *st, dynamo::UpdateSpec *spec) {
    ModifyRuntime *rt = st->rt;
    if (st->append_attnums == NIL)
        return;
    TupleDesc tupdesc = RelationGetDescr(st->rel);
    Datum *values = (Datum *)palloc0(sizeof(Datum) * tupdesc->natts);
    bool *nulls = (bool *)palloc0(sizeof(bool) * tupdesc->natts);
    DynamoItemToTuple(&st->cx, &rt->returned, values, nulls);
    int i = 0;
    ListCell *lc;
    foreach (lc, st->append_attnums) {
        AttrNumber attnum = (AttrNumber)lfirst_int(lc);
        const WriteColumn *wc = ColumnByAttnum(st, attnum);
        bool prepend = false;
        const char *attr = NULL;
        RunCpp([&] {
            prepend = rt->appends[(size_t)i].prepend;
            attr = rt->appends[(size_t)i].attr.c_str();
            const dynamo::AttributeValue *old = dynamo::FindAttribute(rt->returned, attr);
            spec->expect.emplace_back(attr, old ? *old : dynamo::AttributeValue());
        });
        if (nulls[attnum - 1]) {
            RunCpp([&] { spec->remove.emplace_back(attr); });  // NULL || v is NULL
        } else {
            Datum v = st->append_values[i];
            Datum result = prepend ? DirectFunctionCall2(jsonb_concat, v, values[attnum - 1])
                                   : DirectFunctionCall2(jsonb_concat, values[attnum - 1], v);
            ColumnValue(st, wc, result, JSONBOID);
            RunCpp([&] { spec->set.emplace_back(attr, std::move(rt->value)); });
        }
        i++;
    }
}

// The UpdateItem of what SQL computes from the item as read into rt->returned, on the condition
// that the item still holds what was read (also kept in rt->expected).
void BuildComputedUpdate(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    int n = 0;
    RunCpp([&] { n = (int)rt->arith.size(); });
    dynamo::UpdateSpec *spec = NULL;
    RunCpp([&] {
        spec = &rt->computed;
        *spec = dynamo::UpdateSpec();
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
            ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
                            errmsg("DynamoDB attribute \"%s\" of type %s cannot be read as a "
                                   "number",
                                   attr, dynamo::AttrTypeName(old->type)),
                            errcontext("UPDATE of foreign table \"%s\"", st->relname)));
        }
        const char *base = !absent ? old->str.c_str() : a->has_start ? a->start.str.c_str() : NULL;
        if (base != NULL) {
            char *result = NumberArithmetic(base, a->delta.str.c_str(), a->subtract);
            RunCpp(
                [&] { spec->set.emplace_back(a->attr, dynamo::AttributeValue::Number(result)); });
        } else {
            RunCpp([&] { spec->remove.emplace_back(a->attr); });  // NULL + c is NULL
        }
        RunCpp(
            [&] { spec->expect.emplace_back(a->attr, absent ? dynamo::AttributeValue() : *old); });
    }
    ComputeAppends(st, spec);
    RunCpp([&] {
        dynamo::BuildUpdateSpec(*spec, rt->desc.hash.name, rt->request);
        rt->request.return_values = st->has_returning;
        rt->expected = std::move(spec->expect);
    });
}

// A direct UPDATE: one UpdateItem in which DynamoDB computes the arithmetic assignments. When an
// arithmetic attribute is absent, NULL or not a number, DynamoDB cannot compute what SQL would:
// the item is read (strongly consistent), the new values computed here, and written on the
// condition that the item still holds what was read; a change in between starts again, and
// after a few rounds the statement fails with a serialization failure. False when there is no
// item.
bool SendUpdateWithArithmetic(DynamoModifyState *st) {
    ModifyRuntime *rt = st->rt;
    BuildDirectUpdate(st);
    bool written = SendSingle(st, "UpdateItem");
    bool plain = false;
    RunCpp([&] { plain = rt->arith.empty() && rt->appends.empty(); });
    if (written || plain)
        return written;

    const int kRounds = 10;
    for (int round = 0; round < kRounds; round++) {
        CHECK_FOR_INTERRUPTS();
        st->rereads++;
        if (!ReadCurrentItem(st))
            return false;
        // When DynamoDB can compute from the item as it is now, it does: that cannot lose a
        // concurrent change. Otherwise, what SQL computes from the item as it is now.
        bool computable = false;
        RunCpp([&] { computable = ComputableFromItem(rt); });
        if (computable)
            BuildDirectUpdate(st);
        else
            BuildComputedUpdate(st);
        if (SendSingle(st, "UpdateItem"))
            return true;
        // Refused: because the item changed (read it again), or because the WHERE clause's
        // conditions do not hold (UPDATE 0) or the item is gone (found at the next read).
        bool has_also = false;
        RunCpp([&] { has_also = !rt->also.IsTrue(); });
        if (has_also && ExpectedStillHeld(st))
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

// The key values, evaluated, as rt->request.item; false when one is NULL (`key = NULL` matches
// nothing).
bool EvalDirectKey(DynamoModifyState *st, ExprContext *econtext) {
    ListCell *lc, *lc2;
    forboth(lc, st->key_exprs, lc2, st->key_attrs) {
        ExprState *es = (ExprState *)lfirst(lc);
        const WriteColumn *wc = ColumnByAttnum(st, lfirst_int(lc2));
        bool isnull;
        Datum d = ExecEvalExpr(es, econtext, &isnull);
        if (isnull)
            return false;
        ColumnValue(st, wc, d, exprType((Node *)es->expr));
        AppendValue(st, wc);
    }
    return true;
}

// An arithmetic assignment (kind): the delta d, and the start when there is one, into rt->arith.
void AddArithmetic(DynamoModifyState *st, const WriteColumn *wc, int kind, ExprState *es, Datum d,
                   ExprState *ss, Datum start, bool start_isnull) {
    ModifyRuntime *rt = st->rt;
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

// A concatenation with the jsonb array `elements` (kind: append or prepend) into rt->appends.
void AddListAppend(DynamoModifyState *st, const WriteColumn *wc, int kind, Datum elements) {
    ModifyRuntime *rt = st->rt;
    st->append_values[list_length(st->append_attnums)] = elements;
    st->append_attnums = lappend_int(st->append_attnums, wc->col->attnum);
    ColumnValue(st, wc, elements, JSONBOID);
    RunCpp([&] {
        dynamo::ListAppend a;
        a.attr = wc->col->name;
        a.list = std::move(rt->value);
        a.prepend = kind == DIRECT_SET_PREPEND;
        rt->appends.push_back(std::move(a));
    });
}

// The assignments, evaluated, into rt->set, rt->remove, rt->arith and rt->appends.
void EvalDirectAssignments(DynamoModifyState *st, ExprContext *econtext) {
    ModifyRuntime *rt = st->rt;
    RunCpp([&] {
        rt->arith.clear();
        rt->appends.clear();
    });
    st->append_attnums = NIL;
    st->append_values = (Datum *)palloc0(sizeof(Datum) * (list_length(st->set_attrs) + 1));
    ListCell *lc, *lc2;
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
            // col + NULL and col || NULL are NULL
            RunCpp([&] { rt->remove.emplace_back(wc->col->name); });
            continue;
        }
        if (kind & DIRECT_SET_LIST) {
            AddListAppend(st, wc, kind, ListElements(d));
            continue;
        }
        AddArithmetic(st, wc, kind, es, d, ss, start, start_isnull);
    }
}

// In a transaction block with atomic_commit, for a plan made outside one (a prepared statement,
// a function's cached plan): the item is read, the row counts only when it exists, and the
// write is kept for COMMIT on the condition that the item still holds what was read (an
// arithmetic or list assignment computed from it). False when there is no item.
bool DeferredDirectModify(DynamoModifyState *st, ExprContext *econtext) {
    ModifyRuntime *rt = st->rt;
    bool has_also = false;
    RunCpp([&] { has_also = !rt->also.IsTrue(); });
    const char *verb = st->operation == CMD_UPDATE ? "UPDATE" : "DELETE";
    if (has_also)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("%s of foreign table \"%s\" with conditions besides the key is not "
                        "supported in a transaction block with dynamodb.atomic_commit on when "
                        "its plan was made outside one",
                        verb, st->relname),
                 errhint("Run the statement anew inside the transaction block (DISCARD PLANS "
                         "drops cached plans), or set dynamodb.atomic_commit = off.")));
    st->rereads++;
    bool found = ReadCurrentItem(st);
    KeptOverlay(st, &found);  // the item as this transaction left it
    if (!found)
        return false;
    if (st->operation == CMD_UPDATE) {
        EvalDirectAssignments(st, econtext);
        BuildComputedUpdate(st);
        RunCpp([&] {
            rt->set = rt->computed.set;
            rt->remove = rt->computed.remove;
        });
        return SendSingle(st, "UpdateItem");
    }
    RunCpp([&] {
        dynamo::BuildDeleteCondition(dynamo::Condition::Exists(rt->desc.hash.name), rt->request);
        rt->request.return_values = false;
    });
    return SendSingle(st, "DeleteItem");  // RETURNING: the item as read (rt->returned)
}

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
    bool found = EvalDirectKey(st, econtext);
    if (found && st->defer) {
        found = DeferredDirectModify(st, econtext);
    } else if (found && st->operation == CMD_UPDATE) {
        EvalDirectAssignments(st, econtext);
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

void DynamoExplainDirectModify(ForeignScanState *node, ExplainState *es) {
    ForeignScan *fscan = (ForeignScan *)node->ss.ps.plan;
    DynamoModifyState *st = (DynamoModifyState *)node->fdw_state;
    List *priv = fscan->fdw_private;
    ExplainPropertyText("DynamoDB Operation",
                        fscan->operation == CMD_UPDATE ? "UpdateItem" : "DeleteItem", es);
    ExplainPropertyText("DynamoDB Table", st->table, es);
    ExplainPropertyText("DynamoDB Key", strVal(list_nth(priv, FdwDirectPrivateKeyText)), es);
    if (st->defer)
        ExplainDeferred(es);
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
            if (kind & DIRECT_SET_LIST)
                appendStringInfo(&cond, " AND attribute_type(%s, \"L\")", name);
            else if (kind & DIRECT_SET_START)
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
