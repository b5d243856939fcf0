// Deciding what DynamoDB can evaluate, and writing it down as condition JSON (through the
// client's builders, src/client/plan_format.hpp, which scan_plan.cpp assembles into the plan).
//
// Every WHERE conjunct is analysed once (DynamoAnalyzeConjunct):
// - whether it is a key condition (partition key equality or IN, sort key comparison or prefix,
//   and the same for each secondary index's keys), and
// - which DynamoDB filter keeps every row for which Postgres finds it TRUE.
// Filters are supersets: a row DynamoDB keeps may still fail the condition in Postgres, which
// checks every condition again on the rows that come back. They are exact (keep precisely the
// TRUE rows) where the attribute's DynamoDB type is known; `exact` records that, because only
// exact filters allow Select COUNT and DynamoDB's Limit.
//
// Postgres's three-valued logic is kept by building, for each condition, one filter for "TRUE"
// and one for "FALSE" (NOT swaps them; AND and OR combine them as De Morgan says). A missing
// attribute and the NULL type read as SQL NULL, which is neither.
#include "fdw/deparse_values.hpp"

#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
}

using namespace dynamo_deparse;

namespace {

// --- condition JSON, written by the client (src/client/plan_format.hpp) ---
// One short C++ call each, its text copied into palloc'd memory. NULL stands for TRUE.

namespace condjson = dynamo::condition_json;

// The texts of a List of char * (NULL as ""), copied out before any C++ runs.
struct Texts {
    int n;
    const char **items;
};
Texts ListTexts(List *l) {
    Texts t = {list_length(l), (const char **)palloc0(sizeof(char *) * (list_length(l) + 1))};
    for (int i = 0; i < t.n; i++)
        t.items[i] = list_nth(l, i) != NULL ? (const char *)list_nth(l, i) : "";
    return t;
}
std::vector<std::string> Strings(const Texts &t) {
    return std::vector<std::string>(t.items, t.items + t.n);
}

char *JCmp(const char *a, dynamo::CompareOp op, const char *v) {
    return DynamoCppString([&] { return condjson::Compare(a, op, v); });
}
char *JBegins(const char *a, const char *v) {
    return DynamoCppString([&] { return condjson::BeginsWith(a, v); });
}
char *JContains(const char *a, const char *v) {
    return DynamoCppString([&] { return condjson::Contains(a, v); });
}
char *JExists(const char *a) {
    return DynamoCppString([&] { return condjson::Exists(a); });
}
char *JNotExists(const char *a) {
    return DynamoCppString([&] { return condjson::NotExists(a); });
}
char *JType(const char *a, dynamo::AttrType t) {
    return DynamoCppString([&] { return condjson::TypeIs(a, t); });
}
char *JNot(const char *child) {
    return DynamoCppString([&] { return condjson::Not(child); });
}
char *JIn(const char *a, List *operands) {
    Texts t = ListTexts(operands);
    return DynamoCppString([&] { return condjson::In(a, Strings(t)); });
}
// AND / OR of a List of conditions (char *, NULL for TRUE).
char *JAnd(List *parts) {
    Texts t = ListTexts(parts);
    char *s = DynamoCppString([&] { return condjson::And(Strings(t)); });
    return s[0] != '\0' ? s : NULL;
}
char *JOr(List *parts) {
    Texts t = ListTexts(parts);
    char *s = DynamoCppString([&] { return condjson::Or(Strings(t)); });
    return s[0] != '\0' ? s : NULL;
}
char *JAnd2(char *a, char *b) {
    return JAnd(list_make2(a, b));
}
char *JOr2(char *a, char *b) {
    return JOr(list_make2(a, b));
}

// attribute_type(a, T). For booleans it is spelled as the two values a boolean can have,
// because dynalite finds attribute_type(a, "BOOL") false when a is false.
char *TypeTest(const char *a, dynamo::AttrType t) {
    if (t == dynamo::AttrType::BOOL)
        return JOr2(JCmp(a, dynamo::CompareOp::Eq, BoolOperand(true)),
                    JCmp(a, dynamo::CompareOp::Eq, BoolOperand(false)));
    return JType(a, t);
}

struct WalkCtx {
    DynamoRelInfo *info;
    RelOptInfo *rel;
    bool exact;  // cleared when any part is inexact or not sent
};

// The one rule that keeps SQL's three-valued logic on a pushed condition. `p` is a DynamoDB
// condition on attribute `a` that decides the SQL comparison for an item holding `a` with the
// class's target type. SQL's answer is NULL where the item lacks `a` or holds the NULL type,
// while DynamoDB's NOT and <> are true there, so both sides carry a type test:
//   TRUE rows  are kept by  attribute_type(a, T) AND p
//   FALSE rows are kept by  attribute_type(a, T) AND NOT p
// For a key of the table the test is left out: every item holds it, with type T. A key of a
// secondary index keeps the test: its type is enforced, but an item may lack it (a sparse
// index). A column that also reads other types as text (a text column showing a number) keeps
// such items on both sides, and Postgres decides them: then the filter is not exact.
// `np`, when given, is NOT p written positively: p and np each hold only where the item holds
// `a` with type T, so neither needs the type test.
void Sided(WalkCtx *cx, const AttrClass &cls, const char *a, char *p, char *np, char **t,
           char **f) {
    if (np != NULL) {
        *t = p;
        *f = np;
    } else {
        char *type = cls.always_present ? NULL : TypeTest(a, cls.target);
        *t = JAnd2(type, p);
        *f = JAnd2(type, JNot(p));
    }
    if (cls.reads_other_types && !cls.type_enforced) {
        char *other = JAnd(list_make3(JExists(a), JNot(JType(a, cls.target)),
                                      JNot(JType(a, dynamo::AttrType::NUL))));
        *t = JOr2(*t, other);
        *f = JOr2(*f, other);
        cx->exact = false;
    }
}

// Filters for a comparison leaf `col op value`; false when it cannot be sent.
bool LeafCompare(WalkCtx *cx, const DynamoPlanColumn *col, CmpKind k, Const *value, Oid collid,
                 char **t, char **f) {
    AttrClass cls;
    if (!ClassifyColumn(cx->info, col, &cls))
        return false;
    dynamo::AttrType target = cls.target;
    bool text_number_key = TextNumberKey(col, cls);
    if (!TypeFits(value->consttype, target, text_number_key) || value->constisnull)
        return false;
    const char *a = col->name;

    if (k == CMP_LIKE || k == CMP_NOT_LIKE) {
        if (target != dynamo::AttrType::S || !EqualityCollationOk(collid))
            return false;
        bool prefix;
        char *lit = LikeLiteral(TextDatumGetCString(value->constvalue), &prefix);
        if (lit == NULL)
            return false;
        char *op = TypedOperand(dynamo::AttrType::S, lit, (int)strlen(lit), false);
        char *match, *nomatch;
        Sided(cx, cls, a, prefix ? JBegins(a, op) : JContains(a, op), NULL, &match, &nomatch);
        *t = k == CMP_LIKE ? match : nomatch;
        *f = k == CMP_LIKE ? nomatch : match;
        return true;
    }
    if (k != CMP_EQ && k != CMP_NE) {
        if (target == dynamo::AttrType::BOOL)
            return false;
        if (target == dynamo::AttrType::S && !OrderingCollationOk(collid))
            return false;
        if (text_number_key)
            return false;  // text order is not numeric order
    } else if (target == dynamo::AttrType::S && !EqualityCollationOk(collid)) {
        return false;
    }
    char *operand = ConstOperand(value, target);
    if (operand == NULL)
        return false;
    if (text_number_key) {
        // Texts that are equal are equal numbers, but "42.0" <> "42" as text while 42.0 = 42
        // in DynamoDB: equality keeps a superset of the TRUE rows, and nothing is known of the
        // FALSE ones. Postgres checks the rows again.
        char *eq = JCmp(a, dynamo::CompareOp::Eq, operand);
        char *eq_t, *eq_f;
        Sided(cx, cls, a, eq, NULL, &eq_t, &eq_f);
        *t = k == CMP_EQ ? eq_t : NULL;
        *f = k == CMP_EQ ? NULL : eq_t;
        cx->exact = false;
        return true;
    }
    if (target == dynamo::AttrType::BOOL) {
        // A boolean is one of two values: `b <> v` is `b = not v`, written as such (dynalite
        // gets NOT of a boolean comparison wrong).
        bool v = DatumGetBool(value->constvalue) == (k == CMP_EQ);
        Sided(cx, cls, a, JCmp(a, dynamo::CompareOp::Eq, BoolOperand(v)),
              JCmp(a, dynamo::CompareOp::Eq, BoolOperand(!v)), t, f);
        return true;
    }
    Sided(cx, cls, a, JCmp(a, CmpOp(k), operand), NULL, t, f);
    return true;
}

bool Walk(WalkCtx *cx, Expr *e, char **t, char **f);

bool WalkOpExpr(WalkCtx *cx, OpExpr *op, char **t, char **f) {
    if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
        return false;
    CmpKind k = CmpFromName(get_opname(op->opno));
    if (k == CMP_NONE)
        return false;
    Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
    const DynamoPlanColumn *col = ColumnOf(cx->info, l, cx->rel);
    Expr *val = r;
    if (col == NULL) {
        col = ColumnOf(cx->info, r, cx->rel);
        val = l;
        k = Commute(k);
        if (col == NULL || k == CMP_NONE)
            return false;
    }
    while (IsA(val, RelabelType))
        val = ((RelabelType *)val)->arg;
    if (!IsA(val, Const))
        return false;
    return LeafCompare(cx, col, k, (Const *)val, op->inputcollid, t, f);
}

// `col = ANY(array)` (IN) and `col <> ALL(array)` (NOT IN). A NULL element makes the answer
// NULL wherever no other element decides it: IN can then be TRUE but never FALSE, NOT IN FALSE
// but never TRUE; the side that cannot happen is left unconstrained (and inexact).
bool WalkArrayOp(WalkCtx *cx, ScalarArrayOpExpr *sa, char **t, char **f) {
    if (list_length(sa->args) != 2 || sa->opno >= FirstGenbkiObjectId)
        return false;
    CmpKind k = CmpFromName(get_opname(sa->opno));
    if (!((k == CMP_EQ && sa->useOr) || (k == CMP_NE && !sa->useOr)))
        return false;
    const DynamoPlanColumn *col = ColumnOf(cx->info, (Expr *)linitial(sa->args), cx->rel);
    Expr *arr = (Expr *)lsecond(sa->args);
    if (col == NULL || !IsA(arr, Const) || ((Const *)arr)->constisnull)
        return false;
    AttrClass cls;
    if (!ClassifyColumn(cx->info, col, &cls))
        return false;
    dynamo::AttrType target = cls.target;
    if (target == dynamo::AttrType::S && !EqualityCollationOk(sa->inputcollid))
        return false;
    bool text_number_key = TextNumberKey(col, cls);

    List *consts;
    if (!ArrayConsts((Const *)arr, target, text_number_key, &consts))
        return false;
    List *operands = NIL;
    bool has_null = false;
    ListCell *ec;
    foreach (ec, consts) {
        Const *c = (Const *)lfirst(ec);
        if (c == NULL) {
            has_null = true;
            continue;
        }
        char *o = ConstOperand(c, target);
        if (o == NULL)
            return false;
        operands = lappend(operands, o);
    }
    if (operands == NIL || list_length(operands) > 100)
        return false;  // DynamoDB's IN takes 1 to 100 values
    char *in, *not_in;
    char *p;
    if (target == dynamo::AttrType::BOOL) {
        // Equalities instead of IN: dynalite's IN never matches false.
        List *eqs = NIL;
        ListCell *lc;
        foreach (lc, operands)
            eqs = lappend(eqs, JCmp(col->name, dynamo::CompareOp::Eq, (char *)lfirst(lc)));
        p = JOr(eqs);
    } else {
        p = JIn(col->name, operands);
    }
    Sided(cx, cls, col->name, p, NULL, &in, &not_in);
    if (has_null || text_number_key) {
        // An element is NULL: never FALSE for IN, never TRUE for NOT IN. A number key read as
        // text: a text outside the list may still be an equal number (see LeafCompare).
        not_in = NULL;
        cx->exact = false;
    }
    *t = sa->useOr ? in : not_in;
    *f = sa->useOr ? not_in : in;
    return true;
}

bool Walk(WalkCtx *cx, Expr *e, char **t, char **f) {
    if (IsA(e, RestrictInfo))
        e = ((RestrictInfo *)e)->clause;
    switch (nodeTag(e)) {
        case T_OpExpr:
            return WalkOpExpr(cx, (OpExpr *)e, t, f);
        case T_ScalarArrayOpExpr:
            return WalkArrayOp(cx, (ScalarArrayOpExpr *)e, t, f);
        case T_NullTest: {
            NullTest *nt = (NullTest *)e;
            const DynamoPlanColumn *col = ColumnOf(cx->info, nt->arg, cx->rel);
            if (col == NULL || col->catch_all || nt->argisrow)
                return false;
            char *isnull = JOr2(JNotExists(col->name), JType(col->name, dynamo::AttrType::NUL));
            char *notnull =
                JAnd2(JExists(col->name), JNot(JType(col->name, dynamo::AttrType::NUL)));
            *t = nt->nulltesttype == IS_NULL ? isnull : notnull;
            *f = nt->nulltesttype == IS_NULL ? notnull : isnull;
            return true;
        }
        case T_Var: {
            // A boolean column as a condition: `b` is `b = true`.
            const DynamoPlanColumn *col = ColumnOf(cx->info, e, cx->rel);
            AttrClass cls;
            if (col == NULL || col->typid != BOOLOID || !ClassifyColumn(cx->info, col, &cls))
                return false;
            Sided(cx, cls, col->name, JCmp(col->name, dynamo::CompareOp::Eq, BoolOperand(true)),
                  JCmp(col->name, dynamo::CompareOp::Eq, BoolOperand(false)), t, f);
            return true;
        }
        case T_BooleanTest: {
            // IS [NOT] TRUE / FALSE / UNKNOWN is never NULL: one side is the other's negation,
            // which holds only when the operand's filters are exact.
            BooleanTest *bt = (BooleanTest *)e;
            bool was_exact = cx->exact;
            cx->exact = true;
            char *at = NULL, *af = NULL;
            bool ok = Walk(cx, bt->arg, &at, &af) && cx->exact && at != NULL && af != NULL;
            cx->exact = was_exact;
            if (!ok)
                return false;
            char *yes;
            switch (bt->booltesttype) {
                case IS_TRUE:
                case IS_NOT_TRUE:
                    yes = at;
                    break;
                case IS_FALSE:
                case IS_NOT_FALSE:
                    yes = af;
                    break;
                default:  // IS [NOT] UNKNOWN
                    yes = JAnd2(JNot(at), JNot(af));
                    break;
            }
            bool negated = bt->booltesttype == IS_NOT_TRUE || bt->booltesttype == IS_NOT_FALSE ||
                           bt->booltesttype == IS_NOT_UNKNOWN;
            *t = negated ? JNot(yes) : yes;
            *f = negated ? yes : JNot(yes);
            return true;
        }
        case T_BoolExpr: {
            BoolExpr *b = (BoolExpr *)e;
            if (b->boolop == NOT_EXPR) {
                char *ct, *cf;
                if (!Walk(cx, (Expr *)linitial(b->args), &ct, &cf))
                    return false;
                *t = cf;
                *f = ct;
                return true;
            }
            List *ts = NIL, *fs = NIL;
            bool any = false;
            ListCell *lc;
            foreach (lc, b->args) {
                char *ct = NULL, *cf = NULL;
                if (Walk(cx, (Expr *)lfirst(lc), &ct, &cf)) {
                    any = true;
                } else {
                    cx->exact = false;
                    ct = cf = NULL;  // unknown: no constraint either way
                }
                ts = lappend(ts, ct);
                fs = lappend(fs, cf);
            }
            if (!any)
                return false;
            if (b->boolop == AND_EXPR) {
                *t = JAnd(ts);
                *f = JOr(fs);
            } else {
                *t = JOr(ts);
                *f = JAnd(fs);
            }
            return *t != NULL || *f != NULL;
        }
        default:
            return false;
    }
}

// Records `attr` in a String list once.
List *AddName(List *names, const char *attr) {
    ListCell *lc;
    foreach (lc, names)
        if (strcmp(strVal(lfirst(lc)), attr) == 0)
            return names;
    return lappend(names, makeString(pstrdup(attr)));
}

// Key use of a conjunct: `keycol op value` where value is computable at scan start.
void MatchKey(DynamoRelInfo *info, RelOptInfo *rel, Expr *clause, DynamoConjunct *cj) {
    cj->key_op = DKEY_NONE;
    if (IsA(clause, OpExpr)) {
        OpExpr *op = (OpExpr *)clause;
        if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
            return;
        CmpKind k = CmpFromName(get_opname(op->opno));
        Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
        const DynamoPlanColumn *col = ColumnOf(info, l, rel);
        Expr *val = r;
        if (col == NULL) {
            col = ColumnOf(info, r, rel);
            val = l;
            k = Commute(k);
        }
        if (col == NULL || k == CMP_NONE || k == CMP_NE || k == CMP_NOT_LIKE)
            return;
        const DynamoKeyAttr *key = DynamoFindKeyAttr(info, col->name);
        if (key == NULL)
            return;
        AttrClass cls;
        if (!ClassifyColumn(info, col, &cls))
            return;
        dynamo::AttrType target = cls.target;
        bool text_number_key = TextNumberKey(col, cls);
        if (!TypeFits(exprType((Node *)val), target, text_number_key))
            return;
        if (!RuntimeValue(val, rel))
            return;
        if (k == CMP_LIKE) {
            Expr *v = val;
            while (IsA(v, RelabelType))
                v = ((RelabelType *)v)->arg;
            if (!IsA(v, Const) || target != dynamo::AttrType::S ||
                !EqualityCollationOk(op->inputcollid))
                return;
            bool prefix;
            char *lit = LikeLiteral(TextDatumGetCString(((Const *)v)->constvalue), &prefix);
            if (lit == NULL || !prefix)
                return;
            cj->key_op = DKEY_BEGINS;
            cj->key_value = (Expr *)makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
                                              CStringGetTextDatum(lit), false, false);
        } else {
            if (k != CMP_EQ) {
                if (text_number_key)
                    return;
                if (target == dynamo::AttrType::S && !OrderingCollationOk(op->inputcollid))
                    return;
            } else if (target == dynamo::AttrType::S && !EqualityCollationOk(op->inputcollid)) {
                return;
            }
            Expr *cv = val;
            while (IsA(cv, RelabelType))
                cv = ((RelabelType *)cv)->arg;
            if (k != CMP_EQ && IsA(cv, Const) && EmptyKeyValue((Const *)cv, target))
                return;  // every key is above the empty string: Postgres compares
            cj->key_op = k == CMP_EQ   ? DKEY_EQ
                         : k == CMP_LT ? DKEY_LT
                         : k == CMP_LE ? DKEY_LE
                         : k == CMP_GT ? DKEY_GT
                                       : DKEY_GE;
            cj->key_value = val;
        }
        cj->key_attr = col->name;
        cj->key_target = target;
        cj->key_exact = !text_number_key;
        return;
    }
    if (IsA(clause, ScalarArrayOpExpr)) {
        ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *)clause;
        if (!sa->useOr || list_length(sa->args) != 2 || sa->opno >= FirstGenbkiObjectId)
            return;
        if (CmpFromName(get_opname(sa->opno)) != CMP_EQ)
            return;
        const DynamoPlanColumn *col = ColumnOf(info, (Expr *)linitial(sa->args), rel);
        Expr *arr = (Expr *)lsecond(sa->args);
        if (col == NULL || !IsA(arr, Const) || ((Const *)arr)->constisnull)
            return;
        const DynamoKeyAttr *key = DynamoFindKeyAttr(info, col->name);
        AttrClass cls;
        if (key == NULL || !ClassifyColumn(info, col, &cls))
            return;
        dynamo::AttrType target = cls.target;
        if (target == dynamo::AttrType::S && !EqualityCollationOk(sa->inputcollid))
            return;
        bool text_number_key = TextNumberKey(col, cls);
        List *consts;
        if (!ArrayConsts((Const *)arr, target, text_number_key, &consts))
            return;
        List *values = NIL;
        ListCell *ec;
        foreach (ec, consts) {
            Const *c = (Const *)lfirst(ec);
            if (c == NULL)
                continue;  // NULL never equals anything
            if (EmptyKeyValue(c, target) || ConstOperand(c, target) == NULL)
                continue;  // no key has this value (empty, or a text that is no number)
            values = lappend(values, c);
        }
        if (values == NIL || list_length(values) > 100)
            return;
        cj->key_op = DKEY_IN;
        cj->key_attr = col->name;
        cj->key_target = target;
        cj->key_values = values;
        cj->key_exact = !text_number_key;
    }
}

}  // namespace

const DynamoKeyAttr *DynamoFindKeyAttr(DynamoRelInfo *info, const char *attr) {
    if (strcmp(info->hash.name, attr) == 0)
        return &info->hash;
    if (info->range.name != NULL && strcmp(info->range.name, attr) == 0)
        return &info->range;
    for (int i = 0; i < info->nindexes; i++) {
        if (strcmp(info->indexes[i].hash.name, attr) == 0)
            return &info->indexes[i].hash;
        if (info->indexes[i].range.name != NULL && strcmp(info->indexes[i].range.name, attr) == 0)
            return &info->indexes[i].range;
    }
    return NULL;
}

DynamoConjunct *DynamoAnalyzeConjunct(DynamoRelInfo *info, RelOptInfo *rel, RestrictInfo *ri) {
    DynamoConjunct *cj = (DynamoConjunct *)palloc0(sizeof(DynamoConjunct));
    cj->rinfo = ri;
    MatchKey(info, rel, ri->clause, cj);

    // Filters take constants only: a conjunct with a run-time value is a key condition or local.
    WalkCtx cx = {info, rel, true};
    char *t = NULL, *f = NULL;
    if (Walk(&cx, ri->clause, &t, &f) && t != NULL) {
        cj->filter = t;
        cj->filter_exact = cx.exact;
    }
    // Attributes the conjunct names (a Query's filter may not name the keys being queried).
    List *vars = pull_var_clause((Node *)ri->clause, PVC_RECURSE_PLACEHOLDERS);
    ListCell *lc;
    foreach (lc, vars) {
        Var *v = (Var *)lfirst(lc);
        if ((Index)v->varno != rel->relid)
            continue;
        for (int i = 0; i < info->ncols; i++)
            if (info->cols[i].attnum == v->varattno)
                cj->attrs = AddName(cj->attrs, info->cols[i].name);
    }
    return cj;
}

char *DynamoKeyOperand(DynamoRelInfo *info, Expr *value, dynamo::AttrType target, bool equality,
                       List **params, List **param_types) {
    Expr *v = value;
    while (IsA(v, RelabelType))
        v = ((RelabelType *)v)->arg;
    if (IsA(v, Const) && !EmptyKeyValue((Const *)v, target)) {
        char *o = ConstOperand((Const *)v, target);
        if (o != NULL)
            return o;
    }
    // A constant that cannot be a key of this type (a text that is no number, an empty
    // string), or a run-time value: a parameter, which finds nothing when it cannot be a key.
    int idx = list_length(*params);
    *params = lappend(*params, value);
    *param_types = lappend_int(*param_types, (int)target | (equality ? DYNAMO_PARAM_EQUALITY : 0));
    return DynamoCppString([&] { return condjson::ParamOperand(idx); });
}

char *DynamoKeyCondition(const char *attr, DynamoKeyOp op, const char *operand) {
    switch (op) {
        case DKEY_EQ:
            return JCmp(attr, dynamo::CompareOp::Eq, operand);
        case DKEY_LT:
            return JCmp(attr, dynamo::CompareOp::Lt, operand);
        case DKEY_LE:
            return JCmp(attr, dynamo::CompareOp::Le, operand);
        case DKEY_GT:
            return JCmp(attr, dynamo::CompareOp::Gt, operand);
        case DKEY_GE:
            return JCmp(attr, dynamo::CompareOp::Ge, operand);
        case DKEY_BEGINS:
            return JBegins(attr, operand);
        default:
            elog(ERROR, "unexpected key condition");
    }
    return NULL;
}

char *DynamoBetween(const char *attr, const char *lo, const char *hi) {
    return DynamoCppString([&] { return condjson::Between(attr, lo, hi); });
}

char *DynamoJsonAnd(List *parts) {
    return JAnd(parts);
}

void DynamoAppendJsonString(StringInfo buf, const char *s) {
    appendStringInfoString(buf, DynamoCppString([&] { return condjson::Quote(s); }));
}
