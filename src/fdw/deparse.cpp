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

#include "client/number_text.hpp"

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
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
}

using namespace dynamo_deparse;

namespace {

// --- condition JSON, written by the client (src/client/plan_format.hpp) ---
// One short C++ call each, its text copied into palloc'd memory. NULL stands for TRUE.

namespace condjson = dynamo::condition_json;

// Records `attr` in a String list once.
List *AddName(List *names, const char *attr) {
    ListCell *lc;
    foreach (lc, names)
        if (strcmp(strVal(lfirst(lc)), attr) == 0)
            return names;
    return lappend(names, makeString(pstrdup(attr)));
}

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

// The attribute a leaf tests: a top-level attribute, or a document path below it (the JSON of
// its steps, JsonPath's path).
struct Attr {
    const char *name;
    const char *path;
    Attr(const char *n, const char *p = NULL) : name(n), path(p) {}
};
condjson::Ref R(const Attr &a) {
    return condjson::Ref(a.name, a.path != NULL ? a.path : "");
}

char *JCmp(Attr a, dynamo::CompareOp op, const char *v) {
    return DynamoCppString([&] { return condjson::Compare(R(a), op, v); });
}
char *JBegins(Attr a, const char *v) {
    return DynamoCppString([&] { return condjson::BeginsWith(R(a), v); });
}
char *JContains(Attr a, const char *v) {
    return DynamoCppString([&] { return condjson::Contains(R(a), v); });
}
char *JExists(Attr a) {
    return DynamoCppString([&] { return condjson::Exists(R(a)); });
}
char *JNotExists(Attr a) {
    return DynamoCppString([&] { return condjson::NotExists(R(a)); });
}
char *JType(Attr a, dynamo::AttrType t) {
    return DynamoCppString([&] { return condjson::TypeIs(R(a), t); });
}
char *JNot(const char *child) {
    return DynamoCppString([&] { return condjson::Not(child); });
}
char *JIn(Attr a, List *operands) {
    Texts t = ListTexts(operands);
    return DynamoCppString([&] { return condjson::In(R(a), Strings(t)); });
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
char *TypeTest(Attr a, dynamo::AttrType t) {
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
void Sided(WalkCtx *cx, const AttrClass &cls, Attr a, char *p, char *np, char **t, char **f) {
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

// What a comparison leaf compares: a column, or a path into a jsonb column (possibly under a
// cast), with the class that decides its three-valued care.
struct LeafTarget {
    AttrClass cls;
    Attr a = Attr(NULL);
    bool text_number_key;  // a number key read through a text column
    // The attribute reads as text whatever its type (a text column that is not a key, `->>`):
    // its comparisons with a text constant may be exact (TextMatch).
    bool text_view;
    bool jsonb;        // `->` uncast: a jsonb value (JSON null is a value, not SQL NULL)
    const char *list;  // the path of the list whose element the attribute is, or NULL
    bool has_list;
    // Through a catch-all column: the column's own attribute, which it reads instead of the
    // catch-all object where the item holds one, and the path below it (see Interpretations).
    const char *own_column;
    const char *own_path;
    const char *own_list;
};

bool IsCastFromText(Expr *e, Expr **arg) {
    if (!IsA(e, CoerceViaIO))
        return false;
    CoerceViaIO *io = (CoerceViaIO *)e;
    *arg = io->arg;
    return exprType((Node *)io->arg) == TEXTOID;
}

// The target of a leaf's operand, or false when it is neither a column nor a path DynamoDB can
// follow.
bool TargetOf(WalkCtx *cx, Expr *e, LeafTarget *lt) {
    while (IsA(e, RelabelType))
        e = ((RelabelType *)e)->arg;
    memset(&lt->cls, 0, sizeof(lt->cls));
    lt->text_number_key = lt->text_view = lt->jsonb = lt->has_list = false;
    lt->list = lt->own_column = lt->own_path = lt->own_list = NULL;
    const DynamoPlanColumn *col = ColumnOf(cx->info, e, cx->rel);
    if (col != NULL) {
        if (!ClassifyColumn(cx->info, col, &lt->cls))
            return false;
        lt->a = Attr(col->name);
        lt->text_number_key = TextNumberKey(col, lt->cls);
        lt->text_view = lt->cls.reads_other_types && !lt->cls.type_enforced &&
                        lt->cls.target == dynamo::AttrType::S;
        return true;
    }
    // Widening casts of a cast path: (j->>'k')::integer compared with a numeric.
    if (IsA(e, FuncExpr)) {
        FuncExpr *fe = (FuncExpr *)e;
        if (fe->funcformat == COERCE_IMPLICIT_CAST && list_length(fe->args) == 1 &&
            (fe->funcid == F_NUMERIC_INT2 || fe->funcid == F_NUMERIC_INT4 ||
             fe->funcid == F_NUMERIC_INT8 || fe->funcid == F_INT8_INT4 ||
             fe->funcid == F_INT8_INT2 || fe->funcid == F_INT4_INT2))
            e = (Expr *)linitial(fe->args);
    }
    JsonPath jp;
    Expr *arg;
    lt->cls.always_present = lt->cls.type_enforced = false;
    if (JsonPathOf(cx->info, e, cx->rel, &jp)) {
        if (!jp.as_text)
            lt->jsonb = true;
        lt->cls.target = dynamo::AttrType::S;
        lt->cls.reads_other_types = true;
        lt->text_view = jp.as_text;
    } else if (IsCastFromText(e, &arg) && JsonPathOf(cx->info, arg, cx->rel, &jp) && jp.as_text) {
        // (j->>'k')::integer and the like: a number reads as its digits, which the cast reads
        // back; a string may hold digits too, so other types stay for Postgres to decide.
        Oid to = exprType((Node *)e);
        if (to == BOOLOID)
            lt->cls.target = dynamo::AttrType::BOOL;
        else if (to == INT2OID || to == INT4OID || to == INT8OID || to == NUMERICOID)
            lt->cls.target = dynamo::AttrType::N;
        else
            return false;
        lt->cls.reads_other_types = true;
    } else if (IsA(e, FuncExpr) && list_length(((FuncExpr *)e)->args) == 1 &&
               (((FuncExpr *)e)->funcid == F_NUMERIC_JSONB ||
                ((FuncExpr *)e)->funcid == F_BOOL_JSONB) &&
               JsonPathOf(cx->info, (Expr *)linitial(((FuncExpr *)e)->args), cx->rel, &jp) &&
               !jp.as_text) {
        // (j->'k')::numeric, (j->'k')::boolean: Postgres refuses any other JSON type, so the
        // comparison is on numbers (booleans) alone.
        lt->cls.target = ((FuncExpr *)e)->funcid == F_NUMERIC_JSONB ? dynamo::AttrType::N
                                                                    : dynamo::AttrType::BOOL;
        lt->cls.reads_other_types = false;
    } else {
        return false;
    }
    lt->a = Attr(jp.name, jp.path);
    lt->has_list = jp.last_is_index;
    lt->list = jp.parent;
    if (jp.col->catch_all) {
        lt->own_column = jp.col->name;
        lt->own_path = jp.own_path;
        lt->own_list = jp.own_parent;
    }
    return true;
}

// A leaf through a catch-all column means one thing where the item lacks the column's own
// attribute (a member of the catch-all object) and another where it holds it (a path below
// that attribute): the leaf is written for both, each under its case.
template <typename Leaf>
bool Interpretations(WalkCtx *cx, const LeafTarget &lt, Leaf leaf, char **t, char **f) {
    if (lt.own_column == NULL)
        return leaf(lt, t, f);
    char *t1 = NULL, *f1 = NULL, *t2 = NULL, *f2 = NULL;
    if (!leaf(lt, &t1, &f1))
        return false;
    LeafTarget own = lt;
    own.a = Attr(lt.own_column, lt.own_path);
    own.list = lt.own_list;
    own.own_column = NULL;
    if (!leaf(own, &t2, &f2))
        return false;
    Attr column(lt.own_column);
    *t = JOr2(JAnd2(JNotExists(column), t1), JAnd2(JExists(column), t2));
    *f = JOr2(JAnd2(JNotExists(column), f1), JAnd2(JExists(column), f2));
    return true;
}

// An element of a list: DynamoDB follows a position only into a list (dynalite also into a map
// with a member named "0"), while Postgres also reads an element of a set (an array in jsonb)
// and, for position 0, a scalar itself. Both sides require the container to be a list and keep
// the items whose container is neither a list nor a map, which Postgres decides.
void ListElement(WalkCtx *cx, const LeafTarget &lt, char **t, char **f) {
    if (!lt.has_list)
        return;
    Attr list(lt.a.name, lt.list);
    char *is_list = JType(list, dynamo::AttrType::L);
    char *others = JAnd(list_make3(JExists(list), JNot(JType(list, dynamo::AttrType::L)),
                                   JNot(JType(list, dynamo::AttrType::M))));
    if (*t != NULL)
        *t = JOr2(JAnd2(is_list, *t), others);
    if (*f != NULL)
        *f = JOr2(JAnd2(is_list, *f), others);
    cx->exact = false;
}

// Exact filters for `a = one of texts` on an attribute that reads as text whatever its type
// (TRUE rows in *match, FALSE rows in *nomatch); false when some text has no exact answer (see
// DynamoTextReadAs) or there are too many values for IN.
bool TextMatch(Attr a, List *texts, char **match, char **nomatch) {
    List *values = NIL, *numbers = NIL;
    bool has_true = false, has_false = false;
    ListCell *lc;
    foreach (lc, texts) {
        DynamoScalar alts[4];
        int n;
        if (!DynamoTextReadAs((const char *)lfirst(lc), alts, &n))
            return false;
        for (int i = 0; i < n; i++) {
            if (alts[i].type == dynamo::AttrType::BOOL) {
                has_true = has_true || alts[i].boolean;
                has_false = has_false || !alts[i].boolean;
                continue;
            }
            char *o = TypedOperand(alts[i].type, alts[i].data, alts[i].len, false);
            if (o == NULL)
                return false;
            if (alts[i].type == dynamo::AttrType::N)
                numbers = lappend(numbers, o);
            else
                values = lappend(values, o);
        }
    }
    if (list_length(values) > 100 || list_length(numbers) > 100)
        return false;  // DynamoDB's IN takes 1 to 100 values
    auto one_of = [&](List *operands) -> char * {
        return operands == NIL ? NULL
               : list_length(operands) == 1
                   ? JCmp(a, dynamo::CompareOp::Eq, (char *)linitial(operands))
                   : JIn(a, operands);
    };
    // Numbers under their type, booleans on items that hold no number: DynamoDB never finds a
    // number equal to a boolean, but an endpoint that compares loosely (moto: 0 = false) would.
    // Booleans as equalities, and not under attribute_type(.., "BOOL") (dynalite's IN, NOT and
    // attribute_type get a false boolean wrong).
    List *yes = NIL;
    if (values != NIL)
        yes = lappend(yes, one_of(values));
    if (numbers != NIL)
        yes = lappend(yes, JAnd2(JType(a, dynamo::AttrType::N), one_of(numbers)));
    if (has_true)
        yes = lappend(yes, JAnd2(JNot(JType(a, dynamo::AttrType::N)),
                                 JCmp(a, dynamo::CompareOp::Eq, BoolOperand(true))));
    if (has_false)
        yes = lappend(yes, JAnd2(JNot(JType(a, dynamo::AttrType::N)),
                                 JCmp(a, dynamo::CompareOp::Eq, BoolOperand(false))));
    *match = JOr(yes);
    // FALSE: present, not the NULL type, and none of them.
    *nomatch = JAnd(list_make3(JExists(a), JNot(JType(a, dynamo::AttrType::NUL)), JNot(*match)));
    return true;
}

// Filters for a comparison leaf `target op value`; false when it cannot be sent.
bool LeafCompare(WalkCtx *cx, const LeafTarget &lt, CmpKind k, Const *value, Oid collid, char **t,
                 char **f) {
    if (lt.jsonb)
        return false;  // jsonb values are compared here only through casts and operators
    const AttrClass &cls = lt.cls;
    dynamo::AttrType target = cls.target;
    bool text_number_key = lt.text_number_key;
    if (!TypeFits(value->consttype, target, text_number_key) || value->constisnull)
        return false;
    Attr a = lt.a;

    if (lt.text_view && (k == CMP_EQ || k == CMP_NE) && IsTextType(value->consttype) &&
        EqualityCollationOk(collid)) {
        char *match, *nomatch;
        if (TextMatch(a, list_make1(TextDatumGetCString(value->constvalue)), &match, &nomatch)) {
            *t = k == CMP_EQ ? match : nomatch;
            *f = k == CMP_EQ ? nomatch : match;
            ListElement(cx, lt, t, f);
            return true;
        }
    }
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
        ListElement(cx, lt, t, f);
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
        ListElement(cx, lt, t, f);
        return true;
    }
    Sided(cx, cls, a, JCmp(a, CmpOp(k), operand), NULL, t, f);
    ListElement(cx, lt, t, f);
    return true;
}

bool Walk(WalkCtx *cx, Expr *e, char **t, char **f);

// The constant keys of a ?| or ?& operand (a text[] without NULLs), or NIL.
List *KeyArray(Const *c) {
    if (c->consttype != TEXTARRAYOID || c->constisnull)
        return NIL;
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(c->constvalue), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                      &nulls, &n);
    List *keys = NIL;
    for (int i = 0; i < n; i++) {
        if (nulls[i])
            return NIL;
        keys = lappend(keys, TextDatumGetCString(elems[i]));
    }
    return keys;
}

// Whether `key` may be a member of the catch-all: a DynamoDB name (not empty) that no declared
// column reads.
bool CatchAllMember(WalkCtx *cx, const char *key) {
    return key[0] != '\0' && !DeclaredAttribute(cx->info, key);
}

// An item holding the catch-all column's own attribute reads that attribute in the column,
// which these operators are not sent for: such items (unless NULL) stay on both sides.
void OwnAttributeLeftOpen(WalkCtx *cx, const DynamoPlanColumn *col, char **t, char **f) {
    Attr own(col->name);
    char *held = JAnd2(JExists(own), JNot(JType(own, dynamo::AttrType::NUL)));
    *t = JOr2(JAnd2(JNotExists(own), *t), held);
    *f = JOr2(JAnd2(JNotExists(own), *f), held);
    cx->exact = false;
}

// `_attrs ? 'k'`, `?|`, `?&` on the catch-all (an object: never NULL, holding every attribute
// no column reads): attribute_exists and attribute_not_exists. Other jsonb columns are not sent
// (`?` also finds strings in arrays).
bool WalkExistence(WalkCtx *cx, const DynamoPlanColumn *col, const char *opname, Const *c, char **t,
                   char **f) {
    if (!col->catch_all || c->constisnull)
        return false;
    List *keys;
    bool any;
    if (strcmp(opname, "?") == 0) {
        if (c->consttype != TEXTOID)
            return false;
        keys = list_make1(TextDatumGetCString(c->constvalue));
        any = true;
    } else {
        keys = KeyArray(c);
        any = strcmp(opname, "?|") == 0;
    }
    if (keys == NIL)
        return false;
    List *exists = NIL, *missing = NIL;
    ListCell *lc;
    foreach (lc, keys) {
        const char *k = (const char *)lfirst(lc);
        if (!CatchAllMember(cx, k)) {
            if (!any)
                return false;  // never all present
            continue;          // never present
        }
        exists = lappend(exists, JExists(Attr(k)));
        missing = lappend(missing, JNotExists(Attr(k)));
    }
    if (exists == NIL)
        return false;
    *t = any ? JOr(exists) : JAnd(exists);
    *f = any ? JAnd(missing) : JOr(missing);
    OwnAttributeLeftOpen(cx, col, t, f);
    return true;
}

// The attribute at `keys` (char *, map members) below top-level attribute `top`.
Attr MemberAttr(const char *top, List *keys) {
    if (keys == NIL)
        return Attr(top);
    Texts t = ListTexts(keys);
    return Attr(top, DynamoCppString([&] {
                    std::vector<dynamo::PathStep> steps;
                    for (int i = 0; i < t.n; i++)
                        steps.push_back(dynamo::PathStep::Key(t.items[i]));
                    return condjson::PathJson(steps);
                }));
}

// A JSON string as the catch-all shows DynamoDB values: an S, or a B whose base64 it is. The
// equalities with each, or NULL when the text's types cannot be known exactly.
char *StringEquals(Attr a, const JsonbValue *v) {
    char *s = pnstrdup(v->val.string.val, v->val.string.len);
    DynamoScalar alts[4];
    int n;
    if (s[0] == '\0' || s[0] == '[' || s[0] == '{' || !DynamoTextReadAs(s, alts, &n))
        return NULL;
    List *eqs = NIL;
    for (int i = 0; i < n; i++) {
        if (alts[i].type != dynamo::AttrType::S && alts[i].type != dynamo::AttrType::B)
            continue;
        eqs = lappend(eqs, JCmp(a, dynamo::CompareOp::Eq,
                                TypedOperand(alts[i].type, alts[i].data, alts[i].len, false)));
    }
    return eqs != NIL ? JOr(eqs) : NULL;
}

// `a @> v` for the value `v` of a member of a containment constant, as conditions keeping
// exactly the items where it is TRUE (*match) and FALSE (*nomatch): it is never NULL. Scalars
// are equalities; an object is a map whose members each contain the object's (nested paths); an
// array is a list or set (L, SS, NS, BS all show as arrays) holding each element, sent only for
// strings that are not also base64 and numbers as DynamoDB writes them: `contains` finds those
// among a list's or a set's elements exactly as jsonb finds them among an array's scalars.
bool ContainMember(const char *top, List *keys, const JsonbValue *v, char **match, char **nomatch) {
    Attr a = MemberAttr(top, keys);
    switch (v->type) {
        case jbvString: {
            *match = StringEquals(a, v);
            if (*match == NULL)
                return false;
            *nomatch = JNot(*match);
            return true;
        }
        case jbvNumeric: {
            char *num =
                DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
            char *o = TypedOperand(dynamo::AttrType::N, num, (int)strlen(num), false);
            if (o == NULL)
                return false;
            *match = JCmp(a, dynamo::CompareOp::Eq, o);
            *nomatch = JNot(*match);
            return true;
        }
        case jbvBool:
            // Positively, as dynalite gets NOT of a false boolean's comparison wrong.
            *match = JCmp(a, dynamo::CompareOp::Eq, BoolOperand(v->val.boolean));
            *nomatch = JOr(list_make3(
                JNotExists(a), JCmp(a, dynamo::CompareOp::Eq, BoolOperand(!v->val.boolean)),
                JAnd2(JNot(JCmp(a, dynamo::CompareOp::Eq, BoolOperand(true))),
                      JNot(JCmp(a, dynamo::CompareOp::Eq, BoolOperand(false))))));
            return true;
        case jbvNull:
            *match = JType(a, dynamo::AttrType::NUL);
            *nomatch = JNot(*match);
            return true;
        case jbvBinary:
            break;
        default:
            return false;
    }
    JsonbContainer *jc = v->val.binary.data;
    JsonbIterator *it = JsonbIteratorInit(jc);
    JsonbValue e;
    JsonbIteratorToken tok;
    if (JsonContainerIsObject(jc)) {
        List *yes = NIL, *no = NIL;
        char *key = NULL;
        while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE) {
            if (tok == WJB_KEY) {
                key = pnstrdup(e.val.string.val, e.val.string.len);
                continue;
            }
            if (tok != WJB_VALUE)
                continue;
            if (key == NULL || key[0] == '\0')
                return false;
            char *m, *n;
            if (!ContainMember(top, lappend(list_copy(keys), key), &e, &m, &n))
                return false;
            yes = lappend(yes, m);
            no = lappend(no, n);
            key = NULL;
        }
        if (yes == NIL) {  // {}: any map
            *match = JType(a, dynamo::AttrType::M);
            *nomatch = JNot(*match);
            return true;
        }
        *match = JAnd(yes);
        *nomatch = JOr(no);
        return true;
    }
    if (!JsonContainerIsArray(jc) || JsonContainerIsScalar(jc))
        return false;
    List *kinds = NIL;
    const dynamo::AttrType arrays[] = {dynamo::AttrType::L, dynamo::AttrType::SS,
                                       dynamo::AttrType::NS, dynamo::AttrType::BS};
    for (dynamo::AttrType t : arrays)
        kinds = lappend(kinds, JType(a, t));
    List *parts = list_make1(JOr(kinds));
    while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE) {
        if (tok != WJB_ELEM)
            continue;
        char *operand = NULL;
        if (e.type == jbvString) {
            char *s = pnstrdup(e.val.string.val, e.val.string.len);
            DynamoScalar alts[4];
            int n;
            if (s[0] == '\0' || s[0] == '[' || s[0] == '{' || !DynamoTextReadAs(s, alts, &n))
                return false;
            for (int i = 0; i < n; i++)
                if (alts[i].type == dynamo::AttrType::B)
                    return false;  // also a B: dynalite compares bytes as UTF-8 text
            operand = TypedOperand(dynamo::AttrType::S, s, (int)strlen(s), false);
        } else if (e.type == jbvNumeric) {
            char *num =
                DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(e.val.numeric)));
            // Lists and sets compare numbers as written; DynamoDB writes them this way.
            if (!dynamo::IsCanonicalNumberText(num))
                return false;
            operand = TypedOperand(dynamo::AttrType::N, num, (int)strlen(num), false);
        }
        if (operand == NULL)
            return false;  // booleans, nulls, objects, arrays: not sent
        parts = lappend(parts, JContains(a, operand));
    }
    *match = JAnd(parts);
    *nomatch = JNot(*match);
    return true;
}

// `_attrs @> '{"k": "v", "n": 3, "m": {"x": 1}, "l": ["a"]}'` on the catch-all: each member
// contained (ContainMember).
bool WalkContainment(WalkCtx *cx, const DynamoPlanColumn *col, Const *c, char **t, char **f) {
    if (!col->catch_all || c->consttype != JSONBOID || c->constisnull)
        return false;
    Jsonb *jb = DatumGetJsonbP(c->constvalue);
    if (!JB_ROOT_IS_OBJECT(jb))
        return false;
    JsonbIterator *it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken tok;
    List *yes = NIL, *no = NIL;
    char *key = NULL;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok == WJB_KEY) {
            key = pnstrdup(v.val.string.val, v.val.string.len);
            continue;
        }
        if (tok != WJB_VALUE)
            continue;
        if (key == NULL || !CatchAllMember(cx, key))
            return false;
        char *match = NULL, *nomatch = NULL;
        if (!ContainMember(key, NIL, &v, &match, &nomatch))
            return false;
        yes = lappend(yes, match);
        no = lappend(no, nomatch);
        key = NULL;
    }
    if (yes == NIL)
        return false;  // '{}' holds always
    *t = JAnd(yes);
    *f = JOr(no);
    OwnAttributeLeftOpen(cx, col, t, f);
    return true;
}

bool ArrayLeaf(WalkCtx *cx, ScalarArrayOpExpr *sa, const LeafTarget &lt, char **t, char **f);

bool WalkOpExpr(WalkCtx *cx, OpExpr *op, char **t, char **f) {
    if (list_length(op->args) != 2 || op->opno >= FirstGenbkiObjectId)
        return false;
    const char *opname = get_opname(op->opno);
    Expr *l = (Expr *)linitial(op->args), *r = (Expr *)lsecond(op->args);
    if (exprType((Node *)l) == JSONBOID && IsA(r, Const)) {
        const DynamoPlanColumn *col = ColumnOf(cx->info, l, cx->rel);
        if (col != NULL &&
            (strcmp(opname, "?") == 0 || strcmp(opname, "?|") == 0 || strcmp(opname, "?&") == 0))
            return WalkExistence(cx, col, opname, (Const *)r, t, f);
        if (col != NULL && strcmp(opname, "@>") == 0)
            return WalkContainment(cx, col, (Const *)r, t, f);
    }
    CmpKind k = CmpFromName(opname);
    if (k == CMP_NONE)
        return false;
    LeafTarget lt;
    Expr *val = r;
    if (!TargetOf(cx, l, &lt)) {
        val = l;
        k = Commute(k);
        if (k == CMP_NONE || !TargetOf(cx, r, &lt))
            return false;
    }
    while (IsA(val, RelabelType))
        val = ((RelabelType *)val)->arg;
    if (!IsA(val, Const))
        return false;
    Oid collid = op->inputcollid;
    return Interpretations(
        cx, lt,
        [&](const LeafTarget &x, char **xt, char **xf) {
            return LeafCompare(cx, x, k, (Const *)val, collid, xt, xf);
        },
        t, f);
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
    LeafTarget target;
    Expr *arr = (Expr *)lsecond(sa->args);
    if (!TargetOf(cx, (Expr *)linitial(sa->args), &target) || target.jsonb || !IsA(arr, Const) ||
        ((Const *)arr)->constisnull)
        return false;
    return Interpretations(
        cx, target,
        [&](const LeafTarget &x, char **xt, char **xf) { return ArrayLeaf(cx, sa, x, xt, xf); }, t,
        f);
}

bool ArrayLeaf(WalkCtx *cx, ScalarArrayOpExpr *sa, const LeafTarget &lt, char **t, char **f) {
    Expr *arr = (Expr *)lsecond(sa->args);
    const AttrClass &cls = lt.cls;
    dynamo::AttrType target = cls.target;
    if (target == dynamo::AttrType::S && !EqualityCollationOk(sa->inputcollid))
        return false;
    bool text_number_key = lt.text_number_key;
    Attr a = lt.a;

    List *consts;
    if (!ArrayConsts((Const *)arr, target, text_number_key, &consts))
        return false;
    List *operands = NIL, *texts = NIL;
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
        if (lt.text_view && IsTextType(c->consttype))
            texts = lappend(texts, TextDatumGetCString(c->constvalue));
    }
    if (operands == NIL || list_length(operands) > 100)
        return false;  // DynamoDB's IN takes 1 to 100 values
    char *in, *not_in;
    if (lt.text_view && list_length(texts) == list_length(operands) &&
        TextMatch(a, texts, &in, &not_in)) {
        // exact, as for `=`
    } else {
        char *p;
        if (target == dynamo::AttrType::BOOL) {
            // Equalities instead of IN: dynalite's IN never matches false.
            List *eqs = NIL;
            ListCell *lc;
            foreach (lc, operands)
                eqs = lappend(eqs, JCmp(a, dynamo::CompareOp::Eq, (char *)lfirst(lc)));
            p = JOr(eqs);
        } else {
            p = JIn(a, operands);
        }
        Sided(cx, cls, a, p, NULL, &in, &not_in);
    }
    if (has_null || text_number_key) {
        // An element is NULL: never FALSE for IN, never TRUE for NOT IN. A number key read as
        // text: a text outside the list may still be an equal number (see LeafCompare).
        not_in = NULL;
        cx->exact = false;
    }
    *t = sa->useOr ? in : not_in;
    *f = sa->useOr ? not_in : in;
    ListElement(cx, lt, t, f);
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
            if (nt->argisrow)
                return false;
            const DynamoPlanColumn *col = ColumnOf(cx->info, nt->arg, cx->rel);
            LeafTarget lt;
            if (col != NULL && col->catch_all)
                return false;
            Attr a = col != NULL ? Attr(col->name) : Attr(NULL);
            bool jsonb = false;
            if (col == NULL) {
                // A path: `j->'k' IS NULL` where k is missing (a JSON null is a value);
                // `j->>'k' IS NULL` where k is missing or holds the NULL type.
                if (!TargetOf(cx, nt->arg, &lt) || lt.has_list)
                    return false;
                a = lt.a;
                jsonb = lt.jsonb;
            } else {
                lt = LeafTarget();
                lt.a = a;
            }
            NullTestType kind = nt->nulltesttype;
            return Interpretations(
                cx, lt,
                [&](const LeafTarget &x, char **xt, char **xf) {
                    char *isnull, *notnull;
                    if (jsonb) {
                        isnull = JNotExists(x.a);
                        notnull = JExists(x.a);
                    } else {
                        isnull = JOr2(JNotExists(x.a), JType(x.a, dynamo::AttrType::NUL));
                        notnull = JAnd2(JExists(x.a), JNot(JType(x.a, dynamo::AttrType::NUL)));
                    }
                    *xt = kind == IS_NULL ? isnull : notnull;
                    *xf = kind == IS_NULL ? notnull : isnull;
                    return true;
                },
                t, f);
        }
        case T_Var:
        case T_FuncExpr:
        case T_CoerceViaIO: {
            // A boolean column or cast path as a condition: `b` is `b = true`.
            LeafTarget lt;
            if (exprType((Node *)e) != BOOLOID || !TargetOf(cx, e, &lt) || lt.jsonb ||
                lt.cls.target != dynamo::AttrType::BOOL)
                return false;
            return Interpretations(
                cx, lt,
                [&](const LeafTarget &x, char **xt, char **xf) {
                    Sided(cx, x.cls, x.a, JCmp(x.a, dynamo::CompareOp::Eq, BoolOperand(true)),
                          JCmp(x.a, dynamo::CompareOp::Eq, BoolOperand(false)), xt, xf);
                    ListElement(cx, x, xt, xf);
                    return true;
                },
                t, f);
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

// --- which members of the catch-all a query reads ---

// A walker for expression_tree_walker / query_tree_walker (through void (*)(void), which any
// function pointer may be cast to and from).
#define MEMBERS_WALKER ((bool (*)())(void (*)(void))MembersWalker)

struct MembersCtx {
    DynamoRelInfo *info;
    RelOptInfo *rel;
    const DynamoPlanColumn *col;  // the catch-all
    int levelsup;
    List *paths;  // document paths read: each a List of String, the top-level name first
    bool whole;   // the column is used otherwise than through a member
};

// Whether document path `a` is `b` or a path below it.
bool PathWithin(List *a, List *b) {
    if (list_length(b) > list_length(a))
        return false;
    for (int i = 0; i < list_length(b); i++)
        if (strcmp(strVal(list_nth(a, i)), strVal(list_nth(b, i))) != 0)
            return false;
    return true;
}

bool MembersWalker(Node *node, MembersCtx *mc) {
    if (node == NULL || mc->whole)
        return false;
    if (IsA(node, Query)) {
        mc->levelsup++;
        bool r = query_tree_walker((Query *)node, MEMBERS_WALKER, mc, 0);
        mc->levelsup--;
        return r;
    }
    if (IsA(node, Var)) {
        Var *v = (Var *)node;
        if ((Index)v->varno == mc->rel->relid && (int)v->varlevelsup == mc->levelsup &&
            (v->varattno == mc->col->attnum || v->varattno == 0))
            mc->whole = true;
        return false;
    }
    if (mc->levelsup == 0 && IsA(node, OpExpr)) {
        OpExpr *op = (OpExpr *)node;
        JsonPath jp;
        if (JsonPathOf(mc->info, (Expr *)node, mc->rel, &jp) && jp.col == mc->col) {
            mc->paths = lappend(mc->paths, lcons(makeString(pstrdup(jp.name)), jp.members));
            return false;
        }
        if (list_length(op->args) == 2 && op->opno < FirstGenbkiObjectId &&
            ColumnOf(mc->info, (Expr *)linitial(op->args), mc->rel) == mc->col &&
            IsA(lsecond(op->args), Const) && !((Const *)lsecond(op->args))->constisnull) {
            // `?`, `?|`, `?&`, `@>` with constant keys read those members.
            const char *name = get_opname(op->opno);
            Const *c = (Const *)lsecond(op->args);
            List *keys = NIL;
            if (strcmp(name, "?") == 0 && c->consttype == TEXTOID) {
                keys = list_make1(TextDatumGetCString(c->constvalue));
            } else if ((strcmp(name, "?|") == 0 || strcmp(name, "?&") == 0)) {
                keys = KeyArray(c);
            } else if (strcmp(name, "@>") == 0 && c->consttype == JSONBOID) {
                Jsonb *jb = DatumGetJsonbP(c->constvalue);
                if (JB_ROOT_IS_OBJECT(jb)) {
                    JsonbIterator *it = JsonbIteratorInit(&jb->root);
                    JsonbValue jv;
                    JsonbIteratorToken tok;
                    while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
                        if (tok == WJB_KEY)
                            keys = lappend(keys, pnstrdup(jv.val.string.val, jv.val.string.len));
                    if (keys == NIL)
                        keys = list_make1(pstrdup(""));  // '{}': nothing to read, one name
                }
            }
            if (keys != NIL) {
                ListCell *lc;
                foreach (lc, keys) {
                    const char *k = (const char *)lfirst(lc);
                    if (k[0] != '\0' && !DeclaredAttribute(mc->info, k))
                        mc->paths = lappend(mc->paths, list_make1(makeString(pstrdup(k))));
                }
                return false;
            }
        }
    }
    return expression_tree_walker(node, MEMBERS_WALKER, mc);
}

// Whether a conjunct's filter is small enough to send: DynamoDB takes expressions of up to 4 KB,
// and an expression parser that backtracks (dynalite's) takes several times longer for each
// level of parentheses, seconds from about seven on. A filter beyond either stays with Postgres.
constexpr size_t kMaxFilterChars = 2000;
constexpr int kMaxFilterDepth = 6;
bool FilterFits(const char *json) {
    bool fits = false;
    RunCpp([&] {
        dynamo::Condition c = dynamo::ConditionFromJson(json);
        dynamo::Placeholders ph;
        std::string text = dynamo::Render(c, ph);
        fits = text.size() <= kMaxFilterChars && dynamo::ExpressionDepth(text) <= kMaxFilterDepth;
    });
    return fits;
}

}  // namespace

bool DynamoCatchAllMembers(PlannerInfo *root, RelOptInfo *rel, DynamoRelInfo *info,
                           const DynamoPlanColumn *col, List **names, List **paths) {
    // Only a plain SELECT of this table as such: writes need the whole catch-all (its members
    // are compared and rewritten), and a child of an inheritance tree is named by its parent.
    if (root->parse->commandType != CMD_SELECT || rel->reloptkind != RELOPT_BASEREL ||
        root->hasRecursion)
        return false;
    MembersCtx mc = {info, rel, col, 0, NIL, false};
    query_tree_walker(root->parse, MEMBERS_WALKER, &mc, 0);
    if (mc.whole)
        return false;
    // Where an item holds the column's own attribute, the column reads that instead.
    mc.paths = lappend(mc.paths, list_make1(makeString(pstrdup(col->name))));
    // A path is asked for once, and not when a shorter one holds it (DynamoDB refuses
    // overlapping paths): the value at every path read is then exactly the item's.
    *names = NIL;
    *paths = NIL;
    ListCell *lc;
    foreach (lc, mc.paths) {
        List *p = (List *)lfirst(lc);
        bool covered = false;
        ListCell *lc2;
        foreach (lc2, mc.paths) {
            List *q = (List *)lfirst(lc2);
            int qi = foreach_current_index(lc2), pi = foreach_current_index(lc);
            if (qi != pi && PathWithin(p, q) && (list_length(q) < list_length(p) || qi < pi))
                covered = true;
        }
        if (covered)
            continue;
        if (list_length(p) == 1)
            *names = lappend(*names, linitial(p));
        else
            *paths = lappend(*paths, p);
    }
    return true;
}

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
    if (Walk(&cx, ri->clause, &t, &f) && t != NULL && FilterFits(t)) {
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
