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
#include "fdw/deparse.hpp"
#include "fdw/type_mapping.hpp"

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

// The operand of a constant of DynamoDB type `type`: S and N as text, B as bytes, BOOL as
// `boolean`. NULL when an N text is no DynamoDB number.
char *TypedOperand(dynamo::AttrType type, const char *data, int len, bool boolean) {
    bool number = true;
    char *o = DynamoCppString([&] {
        dynamo::AttributeValue v;
        std::string why;
        switch (type) {
            case dynamo::AttrType::S:
                v = dynamo::AttributeValue::String(std::string(data, len));
                break;
            case dynamo::AttrType::N:
                number = dynamo::CheckDynamoNumber(std::string_view(data, len), why);
                if (!number)
                    return std::string();
                v = dynamo::AttributeValue::Number(std::string(data, len));
                break;
            case dynamo::AttrType::B:
                v = dynamo::AttributeValue::Binary(std::string(data, len));
                break;
            case dynamo::AttrType::BOOL:
                v = dynamo::AttributeValue::Bool(boolean);
                break;
            default:
                throw std::logic_error("unexpected DynamoDB type in a condition");
        }
        return condjson::ConstOperand(v);
    });
    return number ? o : NULL;
}

char *BoolOperand(bool v) {
    return TypedOperand(dynamo::AttrType::BOOL, NULL, 0, v);
}

// --- columns and values ---

const DynamoPlanColumn *ColumnOf(DynamoRelInfo *info, Expr *e, RelOptInfo *rel) {
    while (e != NULL && IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    if (e != NULL && IsA(e, FuncExpr)) {
        // Widening casts between integer types and numeric keep values exact.
        FuncExpr *f = (FuncExpr *)e;
        if (f->funcformat != COERCE_IMPLICIT_CAST || list_length(f->args) != 1)
            return NULL;
        switch (f->funcid) {
            case F_INT4_INT2:
            case F_INT8_INT2:
            case F_INT8_INT4:
            case F_NUMERIC_INT2:
            case F_NUMERIC_INT4:
            case F_NUMERIC_INT8:
                e = (Expr *)linitial(f->args);
                break;
            default:
                return NULL;
        }
    }
    if (e == NULL || !IsA(e, Var))
        return NULL;
    Var *v = (Var *)e;
    if ((Index)v->varno != rel->relid || v->varlevelsup != 0 || v->varattno <= 0)
        return NULL;
    for (int i = 0; i < info->ncols; i++)
        if (info->cols[i].attnum == v->varattno)
            return &info->cols[i];
    return NULL;
}

// Types whose values compare as DynamoDB numbers / strings (the type mapping's rule).
bool IsNumericType(Oid t) {
    return DynamoComparedAs(t) == dynamo::AttrType::N;
}
bool IsTextType(Oid t) {
    return DynamoComparedAs(t) == dynamo::AttrType::S;
}

// How DynamoDB knows a column's attribute. This decides, for every pushed condition, how SQL's
// three-valued logic is kept (see Sided below and docs/design-notes.md, "Three-valued logic").
struct AttrClass {
    dynamo::AttrType target;  // the DynamoDB type the column's values compare as
    bool always_present;      // a key of the table: every item has it, with the key's type
    bool type_enforced;       // a key of the table or of a secondary index: present or not, it
                              // never holds another type (an index key is still optional)
    bool reads_other_types;   // the column shows attributes of other types too (a text column
                              // reads numbers, booleans, lists... as text)
};

// The class of a column, or false when comparisons on it are not sent.
bool ClassifyColumn(DynamoRelInfo *info, const DynamoPlanColumn *col, AttrClass *cls) {
    const DynamoKeyAttr *key = DynamoFindKeyAttr(info, col->name);
    cls->always_present = key == &info->hash || key == &info->range;
    cls->type_enforced = key != NULL;
    cls->reads_other_types = false;
    if (col->catch_all)
        return false;
    if (IsNumericType(col->typid)) {
        if (key != NULL && key->type != dynamo::AttrType::N)
            return false;
        cls->target = dynamo::AttrType::N;
        return true;
    }
    if (IsTextType(col->typid)) {
        if (key != NULL && key->type == dynamo::AttrType::B)
            return false;
        cls->target = key != NULL ? key->type : dynamo::AttrType::S;
        cls->reads_other_types = key == NULL;
        return true;
    }
    if (col->typid == BYTEAOID) {
        if (key != NULL && key->type != dynamo::AttrType::B)
            return false;
        cls->target = dynamo::AttrType::B;
        return true;
    }
    if (col->typid == BOOLOID && key == NULL) {
        cls->target = dynamo::AttrType::BOOL;
        return true;
    }
    return false;
}

// A number key read through a text column: '42.0' and '42' are different texts but one number.
bool TextNumberKey(const DynamoPlanColumn *col, const AttrClass &cls) {
    return cls.type_enforced && cls.target == dynamo::AttrType::N && IsTextType(col->typid);
}

// An empty string or binary: never a key value (DynamoDB refuses one in a key condition).
bool EmptyKeyValue(Const *c, dynamo::AttrType target) {
    if (c->constisnull)
        return false;
    if (target == dynamo::AttrType::S && IsTextType(c->consttype))
        return VARSIZE_ANY_EXHDR(DatumGetPointer(c->constvalue)) == 0;
    if (target == dynamo::AttrType::B && c->consttype == BYTEAOID)
        return VARSIZE_ANY_EXHDR(DatumGetPointer(c->constvalue)) == 0;
    return false;
}

// Whether a value expression can be sent: a constant, or (for key conditions) anything not
// referring to this relation that can be computed when the scan starts.
bool RuntimeValue(Expr *e, RelOptInfo *rel) {
    if (IsA(e, Const))
        return !((Const *)e)->constisnull;
    Relids varnos = pull_varnos(NULL, (Node *)e);
    if (bms_overlap(varnos, rel->relids))
        return false;
    return !contain_volatile_functions((Node *)e) && !contain_subplans((Node *)e) &&
           !contain_agg_clause((Node *)e) && !contain_window_function((Node *)e);
}

// A constant converted for a target type, as an operand's JSON ({"c": typed}); NULL when the
// constant cannot be represented (a text that is no number for a number key, say).
char *ConstOperand(Const *c, dynamo::AttrType target) {
    DynamoScalar v;
    if (!DynamoConstAs(c, target, &v))
        return NULL;
    return TypedOperand(v.type, v.data, v.len, v.boolean);
}

// Whether a value of type t compares with a DynamoDB `target` as Postgres compares it (the type
// mapping's rule).
bool TypeFits(Oid t, dynamo::AttrType target, bool text_number_key) {
    return DynamoTypeComparable(t, target, text_number_key);
}

enum CmpKind { CMP_NONE, CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_LIKE, CMP_NOT_LIKE };

CmpKind CmpFromName(const char *name) {
    static const struct {
        const char *name;
        CmpKind kind;
    } kOperators[] = {{"=", CMP_EQ}, {"<>", CMP_NE}, {"<", CMP_LT},    {"<=", CMP_LE},
                      {">", CMP_GT}, {">=", CMP_GE}, {"~~", CMP_LIKE}, {"!~~", CMP_NOT_LIKE}};
    for (const auto &op : kOperators)
        if (strcmp(name, op.name) == 0)
            return op.kind;
    return CMP_NONE;
}

CmpKind Commute(CmpKind k) {
    switch (k) {
        case CMP_LT:
            return CMP_GT;
        case CMP_LE:
            return CMP_GE;
        case CMP_GT:
            return CMP_LT;
        case CMP_GE:
            return CMP_LE;
        case CMP_LIKE:
        case CMP_NOT_LIKE:
            return CMP_NONE;  // the pattern must be on the right
        default:
            return k;
    }
}

dynamo::CompareOp CmpOp(CmpKind k) {
    switch (k) {
        case CMP_NE:
            return dynamo::CompareOp::Ne;
        case CMP_LT:
            return dynamo::CompareOp::Lt;
        case CMP_LE:
            return dynamo::CompareOp::Le;
        case CMP_GT:
            return dynamo::CompareOp::Gt;
        case CMP_GE:
            return dynamo::CompareOp::Ge;
        default:
            return dynamo::CompareOp::Eq;
    }
}

// A LIKE pattern DynamoDB can test: "abc%" (prefix) or "%abc%" (substring), where the literal
// part has no wildcard (a backslash escapes the character after it, as LIKE's default escape
// does). Returns the literal part, unescaped, or NULL.
char *LikeLiteral(const char *pattern, bool *prefix) {
    size_t n = strlen(pattern);
    if (n < 2 || pattern[n - 1] != '%')
        return NULL;
    size_t start = 0;
    *prefix = true;
    if (pattern[0] == '%') {
        start = 1;
        *prefix = false;
    }
    StringInfoData lit;
    initStringInfo(&lit);
    for (size_t i = start; i < n - 1; i++) {
        char c = pattern[i];
        if (c == '%' || c == '_')
            return NULL;
        if (c == '\\') {
            if (i + 1 >= n - 1)
                return NULL;  // the final % is escaped: a literal %, not a wildcard
            c = pattern[++i];
        }
        appendStringInfoChar(&lit, c);
    }
    if (lit.len == 0)
        return NULL;  // '%' and '%%' match every string: nothing to send
    return lit.data;
}

bool OrderingCollationOk(Oid collid) {
    return !OidIsValid(collid) || lc_collate_is_c(collid);
}
bool EqualityCollationOk(Oid collid) {
    return !OidIsValid(collid) || get_collation_isdeterministic(collid);
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

    ArrayType *a = DatumGetArrayTypeP(((Const *)arr)->constvalue);
    Oid elemtype = ARR_ELEMTYPE(a);
    if (!TypeFits(elemtype, target, text_number_key))
        return false;
    Datum *elems;
    bool *nulls;
    int n;
    int16 typlen;
    bool typbyval;
    DynamoArrayElements(a, &elems, &nulls, &n, &typlen, &typbyval);
    List *operands = NIL;
    bool has_null = false;
    for (int i = 0; i < n; i++) {
        if (nulls[i]) {
            has_null = true;
            continue;
        }
        Const *c = makeConst(elemtype, -1, InvalidOid, typlen, elems[i], false, typbyval);
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
        ArrayType *a = DatumGetArrayTypeP(((Const *)arr)->constvalue);
        Oid elemtype = ARR_ELEMTYPE(a);
        if (!TypeFits(elemtype, target, text_number_key))
            return;
        Datum *elems;
        bool *nulls;
        int n;
        int16 typlen;
        bool typbyval;
        DynamoArrayElements(a, &elems, &nulls, &n, &typlen, &typbyval);
        List *values = NIL;
        for (int i = 0; i < n; i++) {
            if (nulls[i])
                continue;  // NULL never equals anything
            Const *c = makeConst(elemtype, -1, InvalidOid, typlen, elems[i], false, typbyval);
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
