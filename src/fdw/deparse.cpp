// Deciding what DynamoDB can evaluate, and writing it down as the read plan's JSON.
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
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
}

namespace {

// --- JSON writing (the condition form of src/client/expression.cpp) ---

void AppendJsonString(StringInfo buf, const char *s) {
    escape_json(buf, s);
}

char *JsonTypedValue(dynamo::AttrType type, const char *data, int len, bool boolean) {
    StringInfoData buf;
    initStringInfo(&buf);
    switch (type) {
        case dynamo::AttrType::S:
            appendStringInfoString(&buf, "{\"S\":");
            AppendJsonString(&buf, data);
            appendStringInfoChar(&buf, '}');
            break;
        case dynamo::AttrType::N:
            appendStringInfoString(&buf, "{\"N\":");
            AppendJsonString(&buf, data);
            appendStringInfoChar(&buf, '}');
            break;
        case dynamo::AttrType::B: {
            char *b64 = NULL;
            RunCpp([&] {
                std::string enc = dynamo::Base64Encode(std::string_view(data, len));
                b64 = static_cast<char *>(malloc(enc.size() + 1));
                if (b64 == nullptr)
                    throw std::bad_alloc();
                memcpy(b64, enc.c_str(), enc.size() + 1);
            });
            appendStringInfoString(&buf, "{\"B\":");
            AppendJsonString(&buf, b64);
            appendStringInfoChar(&buf, '}');
            free(b64);
            break;
        }
        case dynamo::AttrType::BOOL:
            appendStringInfoString(&buf, boolean ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
            break;
        default:
            elog(ERROR, "unexpected DynamoDB type in a condition");
    }
    return buf.data;
}

char *JCmp(const char *attr, const char *op, const char *operand) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfoString(&b, "{\"k\":\"cmp\",\"a\":");
    AppendJsonString(&b, attr);
    appendStringInfo(&b, ",\"op\":\"%s\",\"v\":[%s]}", op, operand);
    return b.data;
}

char *JFunc(const char *kind, const char *attr, const char *operand) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfo(&b, "{\"k\":\"%s\",\"a\":", kind);
    AppendJsonString(&b, attr);
    if (operand != NULL)
        appendStringInfo(&b, ",\"v\":[%s]", operand);
    appendStringInfoChar(&b, '}');
    return b.data;
}

// Appends the JSON texts of `items` (char *), comma-separated.
void AppendJoined(StringInfo b, List *items) {
    ListCell *lc;
    foreach (lc, items) {
        if (lc != list_head(items))
            appendStringInfoChar(b, ',');
        appendStringInfoString(b, (char *)lfirst(lc));
    }
}

char *JIn(const char *attr, List *operands) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfoString(&b, "{\"k\":\"in\",\"a\":");
    AppendJsonString(&b, attr);
    appendStringInfoString(&b, ",\"v\":[");
    AppendJoined(&b, operands);
    appendStringInfoString(&b, "]}");
    return b.data;
}

char *JType(const char *attr, dynamo::AttrType t) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfoString(&b, "{\"k\":\"type\",\"a\":");
    AppendJsonString(&b, attr);
    appendStringInfo(&b, ",\"t\":\"%s\"}", dynamo::AttrTypeName(t));
    return b.data;
}

char *JNot(const char *child) {
    return psprintf("{\"k\":\"not\",\"c\":[%s]}", child);
}

// AND / OR of JSON conditions; NULL stands for TRUE (no constraint).
char *JJoin(const char *kind, List *parts) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfo(&b, "{\"k\":\"%s\",\"c\":[", kind);
    AppendJoined(&b, parts);
    appendStringInfoString(&b, "]}");
    return b.data;
}

char *JAnd(List *parts) {
    List *kept = NIL;
    ListCell *lc;
    foreach (lc, parts)
        if (lfirst(lc) != NULL)
            kept = lappend(kept, lfirst(lc));
    if (kept == NIL)
        return NULL;
    if (list_length(kept) == 1)
        return (char *)linitial(kept);
    return JJoin("and", kept);
}

char *JOr(List *parts) {
    ListCell *lc;
    foreach (lc, parts)
        if (lfirst(lc) == NULL)
            return NULL;  // TRUE absorbs
    if (list_length(parts) == 1)
        return (char *)linitial(parts);
    return JJoin("or", parts);
}

char *JAnd2(char *a, char *b) {
    return JAnd(list_make2(a, b));
}
char *JOr2(char *a, char *b) {
    if (a == NULL || b == NULL)
        return NULL;
    return JOr(list_make2(a, b));
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

bool IsNumericType(Oid t) {
    return t == INT2OID || t == INT4OID || t == INT8OID || t == NUMERICOID;
}
bool IsTextType(Oid t) {
    return t == TEXTOID || t == VARCHAROID;
}

// The DynamoDB type a column's values compare as, or false when comparisons on it are not sent.
// Key attributes have their declared type; others follow the column type.
bool ColumnTarget(DynamoRelInfo *info, const DynamoPlanColumn *col, dynamo::AttrType *target,
                  bool *typed) {
    const DynamoKeyAttr *key = DynamoFindKeyAttr(info, col->name);
    *typed = key != NULL;
    if (col->catch_all)
        return false;
    if (IsNumericType(col->typid)) {
        if (key != NULL && key->type != dynamo::AttrType::N)
            return false;
        *target = dynamo::AttrType::N;
        return true;
    }
    if (IsTextType(col->typid)) {
        if (key != NULL && key->type == dynamo::AttrType::B)
            return false;
        *target = key != NULL ? key->type : dynamo::AttrType::S;
        return true;
    }
    if (col->typid == BYTEAOID) {
        if (key != NULL && key->type != dynamo::AttrType::B)
            return false;
        *target = dynamo::AttrType::B;
        return true;
    }
    if (col->typid == BOOLOID && key == NULL) {
        *target = dynamo::AttrType::BOOL;
        return true;
    }
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
    if (c->constisnull)
        return NULL;
    Oid t = c->consttype;
    Datum d = c->constvalue;
    char *typed = NULL;
    switch (target) {
        case dynamo::AttrType::N: {
            char *digits;
            if (IsNumericType(t)) {
                Oid out;
                bool varlena;
                getTypeOutputInfo(t, &out, &varlena);
                digits = OidOutputFunctionCall(out, d);
            } else if (IsTextType(t)) {
                digits = TextDatumGetCString(d);
            } else {
                return NULL;
            }
            bool ok = false;
            RunCpp([&] {
                std::string why;
                ok = dynamo::CheckDynamoNumber(digits, why);
            });
            if (!ok)
                return NULL;
            typed = JsonTypedValue(target, digits, (int)strlen(digits), false);
            break;
        }
        case dynamo::AttrType::S:
            if (!IsTextType(t))
                return NULL;
            {
                char *s = TextDatumGetCString(d);
                typed = JsonTypedValue(target, s, (int)strlen(s), false);
            }
            break;
        case dynamo::AttrType::B:
            if (t != BYTEAOID)
                return NULL;
            {
                bytea *b = DatumGetByteaPP(d);
                typed = JsonTypedValue(target, VARDATA_ANY(b), (int)VARSIZE_ANY_EXHDR(b), false);
            }
            break;
        case dynamo::AttrType::BOOL:
            if (t != BOOLOID)
                return NULL;
            typed = JsonTypedValue(target, NULL, 0, DatumGetBool(d));
            break;
        default:
            return NULL;
    }
    return psprintf("{\"c\":%s}", typed);
}

bool TypeFits(Oid t, dynamo::AttrType target, bool text_number_key) {
    switch (target) {
        case dynamo::AttrType::N:
            return IsNumericType(t) || (text_number_key && IsTextType(t));
        case dynamo::AttrType::S:
            return IsTextType(t);
        case dynamo::AttrType::B:
            return t == BYTEAOID;
        case dynamo::AttrType::BOOL:
            return t == BOOLOID;
        default:
            return false;
    }
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

const char *CmpText(CmpKind k) {
    switch (k) {
        case CMP_EQ:
            return "=";
        case CMP_NE:
            return "<>";
        case CMP_LT:
            return "<";
        case CMP_LE:
            return "<=";
        case CMP_GT:
            return ">";
        case CMP_GE:
            return ">=";
        default:
            return "=";
    }
}

// A LIKE pattern DynamoDB can test: "abc%" (prefix) or "%abc%" (substring), with no other
// wildcard or escape. Returns the literal part, or NULL.
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
    if (n - 1 <= start)
        return NULL;
    for (size_t i = start; i < n - 1; i++)
        if (pattern[i] == '%' || pattern[i] == '_' || pattern[i] == '\\')
            return NULL;
    return pnstrdup(pattern + start, n - 1 - start);
}

bool OrderingCollationOk(Oid collid) {
    return !OidIsValid(collid) || lc_collate_is_c(collid);
}
bool EqualityCollationOk(Oid collid) {
    return !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

struct WalkCtx {
    DynamoRelInfo *info;
    RelOptInfo *rel;
    bool exact;  // cleared when any part is inexact or not sent
};

// "Attribute present with a type other than the expected one": rows whose text form Postgres
// compares but DynamoDB would not (a number in a text column, say). Kept by filters on text
// attributes whose type DynamoDB does not enforce.
char *Guard(const char *attr, dynamo::AttrType expected) {
    return JAnd(list_make3(JFunc("exists", attr, NULL), JNot(JType(attr, expected)),
                           JNot(JType(attr, dynamo::AttrType::NUL))));
}

// Filters for a comparison leaf `col op value`; false when it cannot be sent.
bool LeafCompare(WalkCtx *cx, const DynamoPlanColumn *col, CmpKind k, Const *value, Oid collid,
                 char **t, char **f) {
    dynamo::AttrType target;
    bool typed;
    if (!ColumnTarget(cx->info, col, &target, &typed))
        return false;
    bool text_number_key = typed && target == dynamo::AttrType::N && IsTextType(col->typid);
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
        char *op = psprintf("{\"c\":%s}",
                            JsonTypedValue(dynamo::AttrType::S, lit, (int)strlen(lit), false));
        char *type = typed ? NULL : JType(a, target);
        char *fn = JFunc(prefix ? "begins_with" : "contains", a, op);
        char *match = JAnd2(type, fn);
        char *nomatch = JAnd2(type, JNot(fn));
        char *guard = typed ? NULL : Guard(a, target);
        char *tt = guard ? JOr2(match, guard) : match;
        char *ff = guard ? JOr2(nomatch, guard) : nomatch;
        if (guard != NULL)
            cx->exact = false;
        *t = k == CMP_LIKE ? tt : ff;
        *f = k == CMP_LIKE ? ff : tt;
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
    if (text_number_key)
        cx->exact = false;  // "42.0" finds 42, whose text is "42"

    // Comparisons name the expected type first: DynamoDB finds a comparison across types false,
    // and saying so keeps emulators that cannot compare across types from failing.
    char *cmp = JCmp(a, CmpText(k), operand);
    char *type = typed ? NULL : JType(a, target);
    char *tt = JAnd2(type, cmp);
    char *ff = JAnd2(type, JNot(cmp));
    if (target == dynamo::AttrType::S && !typed) {
        char *guard = Guard(a, target);
        tt = JOr2(tt, guard);
        ff = JOr2(ff, guard);
        cx->exact = false;
    }
    *t = tt;
    *f = ff;
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
    dynamo::AttrType target;
    bool typed;
    if (!ColumnTarget(cx->info, col, &target, &typed))
        return false;
    if (target == dynamo::AttrType::S && !EqualityCollationOk(sa->inputcollid))
        return false;
    bool text_number_key = typed && target == dynamo::AttrType::N && IsTextType(col->typid);
    if (text_number_key)
        cx->exact = false;

    ArrayType *a = DatumGetArrayTypeP(((Const *)arr)->constvalue);
    Oid elemtype = ARR_ELEMTYPE(a);
    Datum *elems;
    bool *nulls;
    int n;
    int16 typlen;
    bool typbyval;
    DynamoArrayElements(a, &elems, &nulls, &n, &typlen, &typbyval);
    if (n == 0 || n > 100)
        return false;  // DynamoDB's IN takes 1 to 100 values
    List *operands = NIL;
    for (int i = 0; i < n; i++) {
        if (nulls[i])
            return false;
        Const *c = makeConst(elemtype, -1, InvalidOid, typlen, elems[i], false, typbyval);
        if (!TypeFits(elemtype, target, text_number_key))
            return false;
        char *o = ConstOperand(c, target);
        if (o == NULL)
            return false;
        operands = lappend(operands, o);
    }
    char *in = JIn(col->name, operands);
    char *type = typed ? NULL : JType(col->name, target);
    char *pos = JAnd2(type, in);        // attr IN (...)
    char *neg = JAnd2(type, JNot(in));  // present, and none of them
    if (target == dynamo::AttrType::S && !typed) {
        char *guard = Guard(col->name, target);
        pos = JOr2(pos, guard);
        neg = JOr2(neg, guard);
        cx->exact = false;
    }
    *t = sa->useOr ? pos : neg;
    *f = sa->useOr ? neg : pos;
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
            char *isnull =
                JOr2(JFunc("not_exists", col->name, NULL), JType(col->name, dynamo::AttrType::NUL));
            char *notnull = JAnd2(JFunc("exists", col->name, NULL),
                                  JNot(JType(col->name, dynamo::AttrType::NUL)));
            *t = nt->nulltesttype == IS_NULL ? isnull : notnull;
            *f = nt->nulltesttype == IS_NULL ? notnull : isnull;
            return true;
        }
        case T_Var: {
            const DynamoPlanColumn *col = ColumnOf(cx->info, e, cx->rel);
            if (col == NULL || col->typid != BOOLOID || DynamoFindKeyAttr(cx->info, col->name))
                return false;
            const char *tv = "{\"c\":{\"BOOL\":true}}", *fv = "{\"c\":{\"BOOL\":false}}";
            *t = JCmp(col->name, "=", tv);
            *f = JCmp(col->name, "=", fv);
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
        dynamo::AttrType target;
        bool typed;
        if (!ColumnTarget(info, col, &target, &typed))
            return;
        bool text_number_key = target == dynamo::AttrType::N && IsTextType(col->typid);
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
        dynamo::AttrType target;
        bool typed;
        if (key == NULL || !ColumnTarget(info, col, &target, &typed))
            return;
        if (target == dynamo::AttrType::S && !EqualityCollationOk(sa->inputcollid))
            return;
        bool text_number_key = target == dynamo::AttrType::N && IsTextType(col->typid);
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
            values = lappend(
                values, makeConst(elemtype, -1, InvalidOid, typlen, elems[i], false, typbyval));
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

char *DynamoKeyOperand(DynamoRelInfo *info, Expr *value, dynamo::AttrType target, List **params,
                       List **param_types) {
    Expr *v = value;
    while (IsA(v, RelabelType))
        v = ((RelabelType *)v)->arg;
    if (IsA(v, Const)) {
        char *o = ConstOperand((Const *)v, target);
        if (o != NULL)
            return o;
        // A constant that cannot be a key of this type: a parameter that finds nothing.
    }
    int idx = list_length(*params);
    *params = lappend(*params, value);
    *param_types = lappend_int(*param_types, (int)target);
    return psprintf("{\"p\":%d}", idx);
}

char *DynamoKeyCondition(const char *attr, DynamoKeyOp op, const char *operand) {
    switch (op) {
        case DKEY_EQ:
            return JCmp(attr, "=", operand);
        case DKEY_LT:
            return JCmp(attr, "<", operand);
        case DKEY_LE:
            return JCmp(attr, "<=", operand);
        case DKEY_GT:
            return JCmp(attr, ">", operand);
        case DKEY_GE:
            return JCmp(attr, ">=", operand);
        case DKEY_BEGINS:
            return JFunc("begins_with", attr, operand);
        default:
            elog(ERROR, "unexpected key condition");
    }
    return NULL;
}

char *DynamoBetween(const char *attr, const char *lo, const char *hi) {
    StringInfoData b;
    initStringInfo(&b);
    appendStringInfoString(&b, "{\"k\":\"between\",\"a\":");
    AppendJsonString(&b, attr);
    appendStringInfo(&b, ",\"v\":[%s,%s]}", lo, hi);
    return b.data;
}

char *DynamoJsonAnd(List *parts) {
    return JAnd(parts);
}

void DynamoAppendJsonString(StringInfo buf, const char *s) {
    AppendJsonString(buf, s);
}
