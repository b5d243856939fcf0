// Planning a write: the row identity (AddForeignUpdateTargets), what the executor is told
// (PlanForeignModify), and UPDATE or DELETE whose WHERE fixes the whole key as one request
// (PlanDirectModify: the key equalities, the conditions DynamoDB checks, the assignments it
// makes, and their EXPLAIN text).
#include "fdw/modify.hpp"  // first: the client headers refuse to follow postgres.h
#include "fdw/deparse.hpp"

extern "C" {
#include "access/table.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
}

using namespace dynamo_write;

namespace {

// Key columns of the rel for the planner: attnums of the partition and sort key columns, with
// an error when one is not declared. Returns the number of key columns.
int PlannerKeyColumns(Relation rel, Oid userid, AttrNumber *attnums) {
    Oid relid = RelationGetRelid(rel);
    const char *relname = RelationGetRelationName(rel);
    ForeignTable *ft = GetForeignTable(relid);
    DynamoOptions *opts = DynamoGetOptions(ft->serverid, userid, relid);
    RejectIndexTable(relname, opts);
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(relid, ft->serverid, userid, opts->table);
    const char *hash = desc->hash.name.c_str();
    if (opts->rowid_column != NULL && strcmp(opts->rowid_column, hash) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
                 errmsg("option \"rowid_column\" of foreign table \"%s\" names \"%s\", which is "
                        "not the partition key of DynamoDB table \"%s\"",
                        relname, opts->rowid_column, opts->table),
                 errhint("Set rowid_column to \"%s\", or drop the option: the key is read from "
                         "DescribeTable.",
                         hash)));
    int n = desc->has_range ? 2 : 1;
    for (int k = 0; k < n; k++) {
        const char *name = k == 0 ? hash : desc->range.name.c_str();
        attnums[k] = ColumnNamed(RelationGetDescr(rel), name);
        if (attnums[k] == InvalidAttrNumber)
            ereport(ERROR,
                    (errcode(ERRCODE_UNDEFINED_COLUMN),
                     errmsg("foreign table \"%s\" has no column for the %s \"%s\" of DynamoDB "
                            "table \"%s\"",
                            relname, k == 0 ? "partition key" : "sort key", name, opts->table),
                     errhint("UPDATE and DELETE find an item by its full primary key; declare a "
                             "column named \"%s\".",
                             name)));
    }
    return n;
}

Oid PlannerUser(RangeTblEntry *rte) {
#if PG_VERSION_NUM >= 160000
    (void)rte;
    return GetUserId();
#else
    return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

// An UPDATE may assign a key column only itself (SET id = id); anything else is an error, also
// when no row matches.
void CheckKeyAssignments(PlannerInfo *root, Index rtindex, Relation rel, AttrNumber *keys,
                         int nkeys, List **tlist, List **colnos) {
    get_translated_update_targetlist(root, rtindex, tlist, colnos);
    ListCell *lc, *lc2;
    forboth(lc, *tlist, lc2, *colnos) {
        TargetEntry *tle = lfirst_node(TargetEntry, lc);
        AttrNumber attno = lfirst_int(lc2);
        for (int k = 0; k < nkeys; k++) {
            if (attno != keys[k])
                continue;
            Expr *e = tle->expr;
            while (IsA(e, RelabelType))
                e = ((RelabelType *)e)->arg;
            if (IsA(e, Var) && ((Var *)e)->varno == (int)rtindex && ((Var *)e)->varattno == attno &&
                ((Var *)e)->varlevelsup == 0)
                continue;
            const char *name = NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname);
            ereport(ERROR,
                    (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                     errmsg("cannot change column \"%s\" of foreign table \"%s\"", name,
                            RelationGetRelationName(rel)),
                     errdetail("\"%s\" is the %s of the DynamoDB table, and DynamoDB cannot change "
                               "an item's key.",
                               name, k == 0 ? "partition key" : "sort key"),
                     errhint("DELETE the item and INSERT it with the new key.")));
        }
    }
}

// `name = value` as EXPLAIN shows it (as the read side does: strings quoted, numbers as
// digits, binaries as b"base64", parameters as $n), for a Const or Param value; an array as
// array_type writes it.
char *ShownEquality(const char *name, Expr *value, DynamoArrayType array_type,
                    const char *relname) {
    // Scratch value, reused.
    static dynamo::AttributeValue *scratch;
    if (scratch == nullptr)
        RunCpp([] { scratch = new dynamo::AttributeValue(); });
    int param = -1;
    if (IsA(value, Param))
        param = ((Param *)value)->paramid - 1;
    else
        DynamoDatumToAttribute(((Const *)value)->constvalue, ((Const *)value)->consttype,
                               array_type, scratch, name, relname);
    char *text = NULL;
    RunCpp([&] {
        dynamo::Operand o =
            param >= 0 ? dynamo::Operand::Param(param) : dynamo::Operand::Const(*scratch);
        std::string s = dynamo::RenderInline(
            dynamo::Condition::Compare(name, dynamo::CompareOp::Eq, std::move(o)));
        text = static_cast<char *>(malloc(s.size() + 1));
        if (text == nullptr)
            throw std::bad_alloc();
        memcpy(text, s.c_str(), s.size() + 1);
    });
    char *copy = pstrdup(text);
    free(text);
    return copy;
}

// A Const or Param, under any relabeling; NULL otherwise.
Expr *ConstOrParam(Expr *e) {
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    return IsA(e, Const) || IsA(e, Param) ? e : NULL;
}

bool IsNumericTypeOid(Oid t) {
    return DynamoComparedAs(t) == dynamo::AttrType::N;
}

// `col + c`, `c + col`, `col - c`, or `coalesce(col, s) + c` (or `- c`), c and s Consts or
// Params, assigned to an integer or unconstrained numeric column `attno`: arithmetic DynamoDB's
// SET computes exactly as Postgres would. Returns c, or NULL.
Expr *ArithmeticOf(Expr *e, Index rti, AttrNumber attno, Form_pg_attribute att, int *kind,
                   Expr **start) {
    Oid t = att->atttypid;
    bool integer = t == INT2OID || t == INT4OID || t == INT8OID;
    if (!integer && !(t == NUMERICOID && att->atttypmod < 0))
        return NULL;
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    if (!IsA(e, OpExpr) || exprType((Node *)e) != t)
        return NULL;
    OpExpr *op = (OpExpr *)e;
    if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
        return NULL;
    const char *name = get_opname(op->opno);
    bool plus = strcmp(name, "+") == 0, minus = strcmp(name, "-") == 0;
    if (!plus && !minus)
        return NULL;
    auto is_column = [&](Expr *x, Expr **s) {
        while (IsA(x, RelabelType))
            x = ((RelabelType *)x)->arg;
        *s = NULL;
        if (IsA(x, CoalesceExpr) && list_length(((CoalesceExpr *)x)->args) == 2) {
            *s = ConstOrParam((Expr *)lsecond(((CoalesceExpr *)x)->args));
            if (*s == NULL || !IsNumericTypeOid(exprType((Node *)*s)))
                return false;
            x = (Expr *)linitial(((CoalesceExpr *)x)->args);
        }
        return IsA(x, Var) && (Index)((Var *)x)->varno == rti && ((Var *)x)->varattno == attno &&
               ((Var *)x)->varlevelsup == 0;
    };
    Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
    Expr *delta = NULL;
    if (is_column(l, start))
        delta = r;
    else if (plus && is_column(r, start))
        delta = l;
    if (delta == NULL)
        return NULL;
    delta = ConstOrParam(delta);
    if (delta == NULL || !IsNumericTypeOid(exprType((Node *)delta)))
        return NULL;
    *kind = (plus ? DIRECT_SET_ADD : DIRECT_SET_SUBTRACT) | (*start ? DIRECT_SET_START : 0);
    return delta;
}

// `col || v` or `v || col`, v a Const or Param, assigned to a jsonb column `attno`: a
// concatenation DynamoDB's list_append computes as Postgres would when col holds a list. Returns
// v, or NULL.
Expr *ListAppendOf(Expr *e, Index rti, AttrNumber attno, Form_pg_attribute att, int *kind) {
    if (att->atttypid != JSONBOID)
        return NULL;
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    if (!IsA(e, OpExpr) || list_length(((OpExpr *)e)->args) != 2 ||
        get_opcode(((OpExpr *)e)->opno) != F_JSONB_CONCAT)
        return NULL;
    auto is_column = [&](Expr *x) {
        while (IsA(x, RelabelType))
            x = ((RelabelType *)x)->arg;
        return IsA(x, Var) && (Index)((Var *)x)->varno == rti && ((Var *)x)->varattno == attno &&
               ((Var *)x)->varlevelsup == 0;
    };
    Expr *l = (Expr *)linitial(((OpExpr *)e)->args), *r = (Expr *)lsecond(((OpExpr *)e)->args);
    Expr *v = NULL;
    if (is_column(l)) {
        v = r;
        *kind = DIRECT_SET_APPEND;
    } else if (is_column(r)) {
        v = l;
        *kind = DIRECT_SET_PREPEND;
    }
    v = v != NULL ? ConstOrParam(v) : NULL;
    // (A NULL constant is folded away by the planner, since || is strict; never joined here.)
    if (v != NULL && IsA(v, Const) && ((Const *)v)->constisnull)
        return NULL;
    return v != NULL && exprType((Node *)v) == JSONBOID ? v : NULL;
}

Expr *StripRelabel(Expr *e) {
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    return e;
}

// The value types whose equality with a key column's is DynamoDB's key equality: text for an S
// key, integers and numeric for an N key, bytea for a B key.
bool KeyValueType(Oid t, dynamo::AttrType target) {
    switch (target) {
        case dynamo::AttrType::S:
            return t == TEXTOID || t == VARCHAROID;
        case dynamo::AttrType::N:
            return IsNumericTypeOid(t);
        case dynamo::AttrType::B:
            return t == BYTEAOID;
        default:
            return false;
    }
}

// Whether a WHERE conjunct fixes a key of the table for a write: returns the key's index (0
// partition, 1 sort) and the value, a Const or Param; -1 otherwise.
//
// The read side's analysis decides it (DynamoAnalyzeConjunct in deparse.cpp): an equality built
// into Postgres (key_op DKEY_EQ) on the table's own partition or sort key that selects exactly
// the items DynamoDB's key equality selects (key_exact): strings by bytes under a deterministic
// collation, numbers by value, binaries by bytes; not a text column over an N key ('42.0' is not
// '42'), and never a float column, which DynamoDB's keys do not compare like. A write then also
// requires, as it always has, where the read side accepts more:
//  - the key column itself (under relabeling), not under a widening cast: `intcol::numeric = 1.5`;
//  - a Const or Param value, not any expression computable at the start of the scan;
//  - a value whose own type (under relabeling: a domain over text, say) is one of those above.
// It is stricter than the write path's former check (KeyEquality) in two cases: an operator
// named = that is not built in (its meaning is unknown), and a NULL constant (which the planner
// folds away first) are no key equality.
int WriteKeyEquality(DynamoRelInfo *info, DynamoConjunct *cj, AttrNumber *keys, int nkeys,
                     Expr **value) {
    if (cj->key_op != DKEY_EQ || !cj->key_exact || !IsA(cj->rinfo->clause, OpExpr))
        return -1;
    const DynamoKeyAttr *key = DynamoFindKeyAttr(info, cj->key_attr);
    if (key != &info->hash && key != &info->range)
        return -1;
    OpExpr *op = (OpExpr *)cj->rinfo->clause;
    Expr *column =
        (Expr *)(linitial(op->args) == cj->key_value ? lsecond(op->args) : linitial(op->args));
    column = StripRelabel(column);
    Expr *v = StripRelabel(cj->key_value);
    if (!IsA(column, Var) || !(IsA(v, Const) || IsA(v, Param)) ||
        !KeyValueType(exprType((Node *)v), cj->key_target))
        return -1;
    for (int k = 0; k < nkeys; k++) {
        if (((Var *)column)->varattno == keys[k] && key == (k == 0 ? &info->hash : &info->range)) {
            *value = v;
            return k;
        }
    }
    return -1;
}

// A direct UPDATE or DELETE being planned.
struct DirectPlan {
    Index rti;
    RangeTblEntry *rte;
    Relation rel;
    const char *relname;
    AttrNumber keys[2];  // the key columns
    int nkeys;
    Expr *key_values[2];  // the values the WHERE clause fixes them to
    List *conditions;     // JSON of the WHERE clause's other conditions
    List *set_attrs;      // UPDATE: the assigned columns, their values, DirectSetKinds, starts
    List *set_exprs;
    List *set_kinds;
    List *start_exprs;
    StringInfoData set_text;  // the update expression as EXPLAIN shows it
    StringInfoData remove_text;
};

// The ForeignScan of the target itself, directly under the ModifyTable (no join, no
// inheritance), or NULL.
ForeignScan *DirectScan(PlannerInfo *root, ModifyTable *plan, Index resultRelation) {
    Plan *sub = outerPlan(plan);
    if (sub == NULL || !IsA(sub, ForeignScan))
        return NULL;
    ForeignScan *fscan = (ForeignScan *)sub;
    if (fscan->scan.scanrelid != resultRelation || fscan->scan.plan.initPlan != NIL)
        return NULL;
    RelOptInfo *baserel = root->simple_rel_array[resultRelation];
    if (baserel == NULL || baserel->joininfo != NIL)
        return NULL;
    return fscan;
}

// The conditions must fix the whole key (`keycol = value`); the others must be conditions
// DynamoDB evaluates exactly. (baserel->fdw_private is the scan's planner state: the ForeignScan
// below is this wrapper's scan of the target.)
bool DirectWhere(RelOptInfo *baserel, DirectPlan *dp) {
    DynamoRelInfo *info = (DynamoRelInfo *)baserel->fdw_private;
    if (info == NULL)
        return false;
    ListCell *lc;
    foreach (lc, baserel->baserestrictinfo) {
        RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
        DynamoConjunct *cj = DynamoAnalyzeConjunct(info, baserel, ri);
        Expr *value = NULL;
        int k = WriteKeyEquality(info, cj, dp->keys, dp->nkeys, &value);
        if (k >= 0 && dp->key_values[k] == NULL) {
            dp->key_values[k] = value;
            continue;
        }
        // Any other condition goes into the request's ConditionExpression, where DynamoDB
        // decides it exactly as Postgres would: compare-and-set.
        if (!info->pushdown || cj->filter == NULL || !cj->filter_exact)
            return false;
        dp->conditions = lappend(dp->conditions, cj->filter);
    }
    for (int k = 0; k < dp->nkeys; k++)
        if (dp->key_values[k] == NULL)
            return false;
    return true;
}

// An assignment of a direct UPDATE as EXPLAIN shows it, appended to set_text or remove_text.
void AppendAssignmentText(DirectPlan *dp, Form_pg_attribute att, int kind, Expr *value,
                          Expr *start) {
    const char *relname = dp->relname;
    const char *name = NameStr(att->attname);
    if (kind & DIRECT_SET_LIST) {
        const char *shown = ShownName(name);
        const char *v = "?";
        if (IsA(value, Const)) {
            Const *c = (Const *)value;
            v = ShownEquality(name,
                              (Expr *)makeConst(JSONBOID, -1, InvalidOid, -1,
                                                ListElements(c->constvalue), false, false),
                              DYNAMO_ARRAY_AUTO, relname) +
                strlen(shown) + 3;
        } else {
            v = ShownEquality(name, value, DYNAMO_ARRAY_AUTO, relname) + strlen(shown) + 3;
        }
        appendStringInfo(
            &dp->set_text, "%s%s = list_append(%s, %s)", dp->set_text.len > 0 ? ", " : "SET ",
            shown, kind == DIRECT_SET_APPEND ? shown : v, kind == DIRECT_SET_APPEND ? v : shown);
    } else if (kind != DIRECT_SET_VALUE) {
        const char *shown = ShownName(name);
        auto operand = [&](Expr *x) {
            return ShownEquality(name, x, DYNAMO_ARRAY_AUTO, relname) + strlen(shown) + 3;
        };
        const char *base = start ? psprintf("if_not_exists(%s, %s)", shown, operand(start)) : shown;
        appendStringInfo(&dp->set_text, "%s%s = %s %s %s", dp->set_text.len > 0 ? ", " : "SET ",
                         shown, base, (kind & 3) == DIRECT_SET_ADD ? "+" : "-", operand(value));
    } else if (IsA(value, Const) && ((Const *)value)->constisnull)
        appendStringInfo(&dp->remove_text, "%s%s", dp->remove_text.len > 0 ? ", " : "REMOVE ",
                         ShownName(name));
    else
        appendStringInfo(&dp->set_text, "%s%s", dp->set_text.len > 0 ? ", " : "SET ",
                         ShownEquality(name, value,
                                       OidIsValid(get_element_type(att->atttypid))
                                           ? DynamoColumnArrayType(dp->rte->relid, att->attnum)
                                           : DYNAMO_ARRAY_AUTO,
                                       relname));
}

// UPDATE: a Const or Param, or arithmetic DynamoDB computes, assigned to a column that is
// neither a key nor the catch-all; recorded in dp. False for any other assignment.
bool DirectAssignment(DirectPlan *dp, TargetEntry *tle, AttrNumber attno) {
    Oid relid = dp->rte->relid;
    Form_pg_attribute att = TupleDescAttr(RelationGetDescr(dp->rel), attno - 1);
    bool catch_all_column = false;
    if (att->atttypid == JSONBOID) {
        DynamoColumn col = {};
        col.attnum = attno;
        col.name = NameStr(att->attname);
        col.name_len = strlen(col.name);
        col.catch_all = DynamoColumnCatchAll(relid, attno);
        catch_all_column = WritesAsCatchAll(relid, &col);
    }
    Expr *value = ConstOrParam(tle->expr);
    int kind = DIRECT_SET_VALUE;
    Expr *start = NULL;
    if (value == NULL && !catch_all_column)
        value = ArithmeticOf(tle->expr, dp->rti, attno, att, &kind, &start);
    if (value == NULL && !catch_all_column)
        value = ListAppendOf(tle->expr, dp->rti, attno, att, &kind);
    if (attno == dp->keys[0] || (dp->nkeys > 1 && attno == dp->keys[1]) || catch_all_column ||
        value == NULL)
        return false;
    dp->set_attrs = lappend_int(dp->set_attrs, attno);
    dp->set_exprs = lappend(dp->set_exprs, kind == DIRECT_SET_VALUE ? tle->expr : value);
    dp->set_kinds = lappend_int(dp->set_kinds, kind);
    if (start != NULL)
        dp->start_exprs = lappend(dp->start_exprs, start);
    AppendAssignmentText(dp, att, kind, value, start);
    return true;
}

// The ForeignScan becomes the request: fdw_private (FdwDirectPrivateIndex), fdw_exprs.
void FillDirectScan(ForeignScan *fscan, ModifyTable *plan, DirectPlan *dp,
                    const dynamo::TableDescription *desc) {
    List *key_attrs = NIL, *exprs = NIL;
    StringInfoData key_text;
    initStringInfo(&key_text);
    for (int k = 0; k < dp->nkeys; k++) {
        key_attrs = lappend_int(key_attrs, dp->keys[k]);
        exprs = lappend(exprs, dp->key_values[k]);
        appendStringInfo(&key_text, "%s%s", k > 0 ? " AND " : "",
                         ShownEquality(k == 0 ? desc->hash.name.c_str() : desc->range.name.c_str(),
                                       dp->key_values[k], DYNAMO_ARRAY_AUTO, dp->relname));
    }
    exprs = list_concat(list_concat(exprs, dp->set_exprs), dp->start_exprs);
    StringInfo set_text = &dp->set_text;
    if (dp->remove_text.len > 0)
        appendStringInfo(set_text, "%s%s", set_text->len > 0 ? " " : "", dp->remove_text.data);

    fscan->operation = plan->operation;
    fscan->resultRelation = dp->rti;
    fscan->fdw_private = lappend(
        lappend(list_make5(key_attrs, dp->set_attrs, makeString(key_text.data),
                           makeString(set_text->data), makeInteger(plan->canSetTag ? 1 : 0)),
                dp->set_kinds),
        makeString(dp->conditions != NIL ? DynamoJsonAnd(dp->conditions) : pstrdup("")));
    fscan->fdw_exprs = exprs;
    fscan->fdw_scan_tlist = NIL;
    fscan->fdw_recheck_quals = NIL;
    // The request applies the key condition exactly; nothing is left to check on the row.
    fscan->scan.plan.qual = NIL;
    fscan->scan.plan.async_capable = false;
}

}  // namespace

// --- planning ---

void DynamoAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
                                   Relation target_relation) {
    AttrNumber keys[2];
    int nkeys = PlannerKeyColumns(target_relation, PlannerUser(target_rte), keys);
    TupleDesc tupdesc = RelationGetDescr(target_relation);
    for (int k = 0; k < nkeys; k++) {
        Form_pg_attribute att = TupleDescAttr(tupdesc, keys[k] - 1);
        Var *var = makeVar(rtindex, keys[k], att->atttypid, att->atttypmod, att->attcollation, 0);
        add_row_identity_var(root, var, rtindex, KeyJunkName(keys[k], att->atttypid));
    }
    // The values the statement reads (in an UPDATE's SET expressions, in the WHERE clause) come
    // along, so that the write can require the item to still hold them.
    Bitmapset *used = NULL;
    if (root->parse->commandType == CMD_UPDATE)
        pull_varattnos((Node *)root->parse->targetList, rtindex, &used);
    pull_varattnos(root->parse->jointree->quals, rtindex, &used);
    int member = -1;
    while ((member = bms_next_member(used, member)) >= 0) {
        AttrNumber attnum = member + FirstLowInvalidHeapAttributeNumber;
        if (attnum <= 0 || attnum == keys[0] || (nkeys > 1 && attnum == keys[1]))
            continue;
        Form_pg_attribute att = TupleDescAttr(tupdesc, attnum - 1);
        if (att->attisdropped)
            continue;
        // Every column but the catch-all, which is not one attribute (see docs). DynamoDB
        // compares lists, maps and sets with = as wholes.
        if (att->atttypid == JSONBOID) {
            DynamoColumn col = {};
            col.attnum = attnum;
            col.name = NameStr(att->attname);
            col.name_len = strlen(col.name);
            col.catch_all = DynamoColumnCatchAll(RelationGetRelid(target_relation), attnum);
            if (WritesAsCatchAll(RelationGetRelid(target_relation), &col))
                continue;
        }
        Var *var = makeVar(rtindex, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
        add_row_identity_var(root, var, rtindex, ReadJunkName(attnum));
    }
}

List *DynamoPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                              int subplan_index) {
    RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
    Relation rel = table_open(rte->relid, NoLock);
    Oid userid = PlannerUser(rte);
    ForeignTable *ft = GetForeignTable(rte->relid);
    RejectIndexTable(RelationGetRelationName(rel),
                     DynamoGetOptions(ft->serverid, userid, rte->relid));
    if (plan->operation == CMD_UPDATE) {
        AttrNumber keys[2];
        int nkeys = PlannerKeyColumns(rel, userid, keys);
        List *tlist = NIL, *colnos = NIL;
        CheckKeyAssignments(root, resultRelation, rel, keys, nkeys, &tlist, &colnos);
    }
    table_close(rel, NoLock);

    if (plan->onConflictAction == ONCONFLICT_UPDATE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("INSERT ... ON CONFLICT DO UPDATE is not supported on DynamoDB "
                               "foreign tables")));
    bool on_conflict = plan->onConflictAction == ONCONFLICT_NOTHING;
    // One VALUES row: a Result node with no input.
    Plan *sub = outerPlan(plan);
    bool single =
        plan->operation == CMD_INSERT && sub != NULL && IsA(sub, Result) && outerPlan(sub) == NULL;
    bool returning =
        plan->returningLists != NIL && list_nth(plan->returningLists, subplan_index) != NIL;
    return list_make3(makeInteger(on_conflict ? 1 : 0), makeInteger(single ? 1 : 0),
                      makeInteger(returning ? 1 : 0));
}

int DynamoIsForeignRelUpdatable(Relation rel) {
    return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

// --- UPDATE and DELETE as one request ---

bool DynamoPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
                            int subplan_index) {
    CmdType op = plan->operation;
    if (op != CMD_UPDATE && op != CMD_DELETE)
        return false;
    // In a transaction block with atomic_commit the write is kept for COMMIT: the row is read
    // first (the statement's row count is then known), and written on the condition that it
    // still holds what was read.
    if (DynamoDeferWrites())
        return false;
    ForeignScan *fscan = DirectScan(root, plan, resultRelation);
    if (fscan == NULL)
        return false;

    DirectPlan dp = {};
    dp.rti = resultRelation;
    dp.rte = planner_rt_fetch(resultRelation, root);
    dp.rel = table_open(dp.rte->relid, NoLock);
    dp.relname = RelationGetRelationName(dp.rel);
    Oid userid = PlannerUser(dp.rte);
    dp.nkeys = PlannerKeyColumns(dp.rel, userid, dp.keys);
    ForeignTable *ft = GetForeignTable(dp.rte->relid);
    DynamoOptions *opts = DynamoGetOptions(ft->serverid, userid, dp.rte->relid);
    const dynamo::TableDescription *desc =
        DynamoDescribeTable(dp.rte->relid, ft->serverid, userid, opts->table);
    initStringInfo(&dp.set_text);
    initStringInfo(&dp.remove_text);

    bool usable = DirectWhere(root->simple_rel_array[resultRelation], &dp);
    List *tlist = NIL, *colnos = NIL;
    if (op == CMD_UPDATE)
        CheckKeyAssignments(root, resultRelation, dp.rel, dp.keys, dp.nkeys, &tlist, &colnos);
    ListCell *lc, *lc2;
    forboth(lc, tlist, lc2, colnos) {
        if (!usable)
            break;
        usable = DirectAssignment(&dp, lfirst_node(TargetEntry, lc), lfirst_int(lc2));
    }
    if (usable)
        FillDirectScan(fscan, plan, &dp, desc);
    table_close(dp.rel, NoLock);
    return usable;
}
