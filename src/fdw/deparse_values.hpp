// What the deparser knows about columns and values (deparse_values.cpp), shared by the filter
// walker and the key matcher of deparse.cpp: how a column's attribute compares (its class), which
// constants DynamoDB can compare with it and how they are written, comparison operators, and
// collations. Internal to the deparser.
#pragma once

#include "fdw/deparse.hpp"
#include "fdw/type_mapping.hpp"

namespace dynamo_deparse {

// The operand JSON of a constant of DynamoDB type `type`: S and N as text, B as bytes, BOOL as
// `boolean`. NULL when an N text is no DynamoDB number.
char *TypedOperand(dynamo::AttrType type, const char *data, int len, bool boolean);
char *BoolOperand(bool v);

// The relation's column an expression is (a Var, under relabeling and the widening casts between
// integer types and numeric, which keep values exact), or NULL.
const DynamoPlanColumn *ColumnOf(DynamoRelInfo *info, Expr *e, RelOptInfo *rel);
// Types whose values compare as DynamoDB numbers / strings (the type mapping's rule).
bool IsNumericType(Oid t);
bool IsTextType(Oid t);

// How DynamoDB knows a column's attribute. This decides, for every pushed condition, how SQL's
// three-valued logic is kept (see Sided in deparse.cpp and docs/design-notes.md).
struct AttrClass {
    dynamo::AttrType target;  // the DynamoDB type the column's values compare as
    bool always_present;      // a key of the table: every item has it, with the key's type
    bool type_enforced;       // a key of the table or of a secondary index: present or not, it
                              // never holds another type (an index key is still optional)
    bool reads_other_types;   // the column shows attributes of other types too (a text column
                              // reads numbers, booleans, lists... as text)
};

// The class of a column, or false when comparisons on it are not sent.
bool ClassifyColumn(DynamoRelInfo *info, const DynamoPlanColumn *col, AttrClass *cls);
// A number key read through a text column (its text compares as a number in DynamoDB).
bool TextNumberKey(const DynamoPlanColumn *col, const AttrClass &cls);
// An empty string or binary: never a key value (DynamoDB refuses one in a key condition).
bool EmptyKeyValue(Const *c, dynamo::AttrType target);
// A value known when the scan starts: a non-NULL Const, or an expression that does not refer to
// the relation and is neither volatile nor holds subplans, aggregates or window functions (a
// Param, an outer relation's Var in a join).
bool RuntimeValue(Expr *e, RelOptInfo *rel);
// A constant converted for a target type, as an operand's JSON ({"c": typed}); NULL when the
// constant cannot be represented (a text that is no number for a number key, say).
char *ConstOperand(Const *c, dynamo::AttrType target);
// Whether a value of type t compares with a DynamoDB `target` as Postgres compares it.
bool TypeFits(Oid t, dynamo::AttrType target, bool text_number_key);
// The elements of an IN list's constant array as Consts (a NULL element as a NULL pointer), when
// their type compares with `target`; false when it does not.
bool ArrayConsts(Const *arr, dynamo::AttrType target, bool text_number_key, List **consts);

// A path into a jsonb column (`col->'k'`, `col->>'k'`, `col->'m'->>'x'`, `col->'l'->>0`,
// `col #>> '{m,x}'`) as a DynamoDB document path: the top-level attribute and the steps below it.
// Through the catch-all the first step names the attribute; through any other jsonb column the
// column's attribute is the top and every step goes below it.
struct JsonPath {
    const DynamoPlanColumn *col;
    const char *name;    // the top-level attribute
    char *path;          // JSON of the steps below it (condition_json::PathJson), or NULL
    char *parent;        // JSON of the steps to the last step's container, or NULL (the top)
    bool last_is_index;  // the last step is a list position (only the last may be)
    bool as_text;        // ->> or #>> (text), not -> or #> (jsonb)
    // A catch-all column reads the attribute of its own name where the item holds one, and the
    // catch-all object elsewhere: the same steps below that attribute (NULL otherwise).
    char *own_path;
    char *own_parent;
    // The map members below `name` before any list position (String nodes): the document path
    // a projection can ask for and place back where it was (a list element comes back as the
    // only element of its list, so positions are not projected).
    List *members;
};
// The path an expression is, or false: only steps DynamoDB can follow with Postgres's meaning
// (map members by name, a list position >= 0 as the last step, no #> element that is a number),
// and, through the catch-all, never an attribute another column reads (the catch-all lacks it).
bool JsonPathOf(DynamoRelInfo *info, Expr *e, RelOptInfo *rel, JsonPath *out);
// Whether `name` is the attribute of a declared column (other than the catch-all).
bool DeclaredAttribute(DynamoRelInfo *info, const char *name);

enum CmpKind { CMP_NONE, CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_LIKE, CMP_NOT_LIKE };
CmpKind CmpFromName(const char *name);
// The comparison with its operands swapped (a < b is b > a).
CmpKind Commute(CmpKind k);
dynamo::CompareOp CmpOp(CmpKind k);
// The literal of a LIKE pattern DynamoDB can match: "ab%" gives "ab" with *prefix true
// (begins_with), "%ab%" gives "ab" with *prefix false (contains); NULL for any other pattern.
char *LikeLiteral(const char *pattern, bool *prefix);
// Collations under which Postgres orders / compares strings as DynamoDB does (by their bytes).
bool OrderingCollationOk(Oid collid);
bool EqualityCollationOk(Oid collid);

}  // namespace dynamo_deparse
