// What the deparser knows about columns and values (declared in deparse_values.hpp): column
// classes, the constants DynamoDB can compare, comparison operators and collations.
#include "fdw/deparse_values.hpp"

#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include "catalog/pg_collation.h"
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

namespace dynamo_deparse {

namespace condjson = dynamo::condition_json;

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

bool DeclaredAttribute(DynamoRelInfo *info, const char *name) {
    for (int i = 0; i < info->ncols; i++)
        if (!info->cols[i].catch_all && strcmp(info->cols[i].name, name) == 0)
            return true;
    return false;
}

namespace {

// One step of a path as the planner collects it: a map member (key) or a list position.
struct Step {
    const char *key;  // NULL for a list position
    int index;
};

// A #> element Postgres may take as a list position (it reads it as an integer where the
// container is an array): such a path has no single DynamoDB meaning.
bool IntegerLike(const char *s) {
    return s[0] != '\0' && strspn(s, " \t\n\r+-0123456789") == strlen(s);
}

// Collects the steps of `e` (outermost last) into *steps; *col is the jsonb column at the base.
bool CollectSteps(DynamoRelInfo *info, Expr *e, RelOptInfo *rel, const DynamoPlanColumn **col,
                  List **steps, bool *as_text, bool outermost) {
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    if (IsA(e, Var)) {
        *col = ColumnOf(info, e, rel);
        return *col != NULL && (*col)->typid == JSONBOID;
    }
    if (!IsA(e, OpExpr))
        return false;
    OpExpr *op = (OpExpr *)e;
    if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
        return false;
    Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
    if (exprType((Node *)l) != JSONBOID || !IsA(r, Const) || ((Const *)r)->constisnull)
        return false;
    const char *name = get_opname(op->opno);
    bool gives_text = strcmp(name, "->>") == 0 || strcmp(name, "#>>") == 0;
    if (!gives_text && strcmp(name, "->") != 0 && strcmp(name, "#>") != 0)
        return false;
    if (gives_text && !outermost)
        return false;
    if (!CollectSteps(info, l, rel, col, steps, as_text, false))
        return false;
    *as_text = gives_text;
    Const *c = (Const *)r;
    if (name[0] == '-') {
        Step *st = (Step *)palloc0(sizeof(Step));
        if (c->consttype == TEXTOID) {
            st->key = TextDatumGetCString(c->constvalue);
        } else if (c->consttype == INT4OID) {
            st->index = DatumGetInt32(c->constvalue);
            if (st->index < 0)
                return false;  // counts from the end in Postgres
        } else {
            return false;
        }
        *steps = lappend(*steps, st);
        return true;
    }
    if (c->consttype != TEXTARRAYOID)
        return false;
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(c->constvalue), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                      &nulls, &n);
    if (n == 0)
        return false;
    for (int i = 0; i < n; i++) {
        if (nulls[i])
            return false;
        Step *st = (Step *)palloc0(sizeof(Step));
        st->key = TextDatumGetCString(elems[i]);
        if (IntegerLike(st->key))
            return false;
        *steps = lappend(*steps, st);
    }
    return true;
}

// JSON of steps [from, to) of `steps`, or NULL when there are none.
char *StepsJson(List *steps, int from, int to) {
    if (to <= from)
        return NULL;
    int n = to - from;
    const char **keys = (const char **)palloc0(sizeof(char *) * n);
    int *indexes = (int *)palloc0(sizeof(int) * n);
    for (int i = 0; i < n; i++) {
        Step *st = (Step *)list_nth(steps, from + i);
        keys[i] = st->key;
        indexes[i] = st->index;
    }
    return DynamoCppString([&] {
        std::vector<dynamo::PathStep> v;
        for (int i = 0; i < n; i++)
            v.push_back(keys[i] != NULL ? dynamo::PathStep::Key(keys[i])
                                        : dynamo::PathStep::Index(indexes[i]));
        return condjson::PathJson(v);
    });
}

}  // namespace

bool JsonPathOf(DynamoRelInfo *info, Expr *e, RelOptInfo *rel, JsonPath *out) {
    const DynamoPlanColumn *col = NULL;
    List *steps = NIL;
    bool as_text = false;
    if (!CollectSteps(info, e, rel, &col, &steps, &as_text, true) || steps == NIL)
        return false;
    int n = list_length(steps);
    for (int i = 0; i < n; i++) {
        Step *st = (Step *)list_nth(steps, i);
        if (st->key != NULL && st->key[0] == '\0')
            return false;  // DynamoDB names are never empty
        if (st->key == NULL && i != n - 1)
            return false;  // a list position only as the last step
    }
    int first = 0;
    out->col = col;
    if (col->catch_all) {
        Step *top = (Step *)linitial(steps);
        if (top->key == NULL || DeclaredAttribute(info, top->key))
            return false;  // the catch-all object has no positions, nor declared attributes
        out->name = top->key;
        first = 1;
    } else {
        out->name = col->name;
    }
    out->path = StepsJson(steps, first, n);
    out->last_is_index = ((Step *)llast(steps))->key == NULL;
    out->parent = out->last_is_index ? StepsJson(steps, first, n - 1) : NULL;
    out->as_text = as_text;
    out->own_path = col->catch_all ? StepsJson(steps, 0, n) : NULL;
    out->own_parent = col->catch_all && out->last_is_index ? StepsJson(steps, 0, n - 1) : NULL;
    out->members = NIL;
    for (int i = first; i < n && ((Step *)list_nth(steps, i))->key != NULL; i++)
        out->members =
            lappend(out->members, makeString(pstrdup(((Step *)list_nth(steps, i))->key)));
    return true;
}

// Types whose values compare as DynamoDB numbers / strings (the type mapping's rule).
bool IsNumericType(Oid t) {
    return DynamoComparedAs(t) == dynamo::AttrType::N;
}
bool IsTextType(Oid t) {
    return DynamoComparedAs(t) == dynamo::AttrType::S;
}

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

// The elements of an IN list's constant array as Consts (a NULL element as a NULL pointer), when
// their type compares with `target`; false when it does not.
bool ArrayConsts(Const *arr, dynamo::AttrType target, bool text_number_key, List **consts) {
    ArrayType *a = DatumGetArrayTypeP(arr->constvalue);
    Oid elemtype = ARR_ELEMTYPE(a);
    if (!TypeFits(elemtype, target, text_number_key))
        return false;
    Datum *elems;
    bool *nulls;
    int n;
    int16 typlen;
    bool typbyval;
    DynamoArrayElements(a, &elems, &nulls, &n, &typlen, &typbyval);
    *consts = NIL;
    for (int i = 0; i < n; i++)
        *consts = lappend(*consts, nulls[i] ? NULL
                                            : makeConst(elemtype, -1, InvalidOid, typlen, elems[i],
                                                        false, typbyval));
    return true;
}

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

}  // namespace dynamo_deparse
