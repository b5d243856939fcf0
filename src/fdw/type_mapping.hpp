// The type mapping: how DynamoDB attribute values and Postgres datums turn into each other, in
// both directions (docs/dynamodb.md, "Types"). The declared column type decides.
// - type_mapping_read.cpp: an item becomes a tuple; jsonb and json columns and the catch-all
//   receive attributes in their plain JSON form, array columns read sets and Lists.
// - type_mapping_write.cpp: a datum becomes an attribute value (the inverse of the read mapping);
//   arrays become sets or Lists as the column's array_type says; a value written to a key becomes
//   the key's DynamoDB type; a constant in a pushed-down comparison becomes the typed value
//   DynamoDB compares.
// The pure parts are in src/client: number_text (DynamoDB number texts, ISO 8601 date texts) and
// key_coercion (a value made to fit a key's type).
#pragma once

#include "fdw/dynamodb_fdw.hpp"

extern "C" {
#include "utils/array.h"
}

// A column of a foreign table, as the type mapping reads and writes it.
struct DynamoColumn {
    AttrNumber attnum;
    char *name;  // the DynamoDB attribute name
    size_t name_len;
    Oid typid;
    int32 typmod;
    bool catch_all;              // jsonb column that may receive the unmatched attributes
    DynamoArrayType array_type;  // array columns: how writes store them (set by modify_state.cpp)
    // The type's input function, for types converted through text: looked up at its first use
    // (ColumnInputCall in type_mapping_read.cpp), into memory context cxt.
    bool input_ready;
    FmgrInfo input;
    Oid ioparam;
    MemoryContext cxt;
    // Reading: where the attribute was in the last item, looked at first in the next one (the
    // items of a table mostly list their attributes in the same order).
    size_t position;
};

// Per-scan (or per-modify) conversion context; `buf` is a heap string owned by the caller's
// runtime.
struct DynamoConvertContext {
    const char *relname;
    const char *dynamo_table;
    DynamoColumn *columns;
    int ncolumns;
    TupleDesc tupdesc;
    const dynamo::TableDescription *desc;
    std::string *buf;
};

// A scalar DynamoDB value held in Postgres memory (no C++ object): what a datum of a scalar type
// writes, and what a pushed-down comparison sends for a constant.
struct DynamoScalar {
    dynamo::AttrType type;  // S, N, B or BOOL
    const char *data;       // S, N: the text (NUL-terminated from DynamoConstAs); B: the bytes
    int len;                // bytes at data
    bool boolean;           // BOOL
};

// --- in type_mapping_read.cpp: DynamoDB -> Postgres ---

// Fills cx's columns from the relation's (not dropped) attributes.
void DynamoInitColumns(Relation rel, DynamoConvertContext *cx);
// The item's key as a JSON object ({"id":"user123"}) into buf, for messages; never fails.
void DynamoItemKeyText(DynamoConvertContext *cx, const dynamo::Item *item, char *buf, size_t size);
// Fills values/nulls for one item. A value that does not fit its column is an error naming the
// table, the column and the item's key.
void DynamoItemToTuple(DynamoConvertContext *cx, const dynamo::Item *item, Datum *values,
                       bool *nulls);

// --- in type_mapping_write.cpp: Postgres -> DynamoDB ---

// Converts a non-NULL datum of type typid into a DynamoDB value in *out (a heap object): the
// inverse of the read mapping. An array becomes a set or a List as array_type says (ignored for
// other types). Errors name the column and foreign table.
void DynamoDatumToAttribute(Datum value, Oid typid, DynamoArrayType array_type,
                            dynamo::AttributeValue *out, const char *column, const char *relname);
// Errors unless typid is an array whose element type has a DynamoDB set type (text, varchar,
// char, the integer types, real, double precision, numeric, bytea), the arrays that may carry
// the array_type option.
void DynamoCheckArrayTypeColumn(Oid typid, const char *column, const char *relname);
// The elements of array `a` (palloc'd), flattened in storage order, with their NULL flags;
// the element type's length and by-value flag too when elem_len and elem_byval are not NULL.
void DynamoArrayElements(ArrayType *a, Datum **elems, bool **nulls, int *n, int16 *elem_len,
                         bool *elem_byval);
// Makes *v, converted from column `column` of Postgres type column_type, a value of key_type (S,
// N or B), the type of the DynamoDB key that the column writes: a text column holds the digits
// of an N key and the base64 of a B key, a number column may write an S key. Errors otherwise,
// and for empty strings and binaries, which cannot be key values. `role` names the key ("partition
// key", ...), `table` the DynamoDB table, `relname` the foreign table.
void DynamoCoerceKeyValue(dynamo::AttributeValue *v, dynamo::AttrType key_type, const char *column,
                          const char *role, const char *relname, const char *table,
                          Oid column_type);

// --- in type_mapping_write.cpp: constants that DynamoDB compares (for deparse.cpp) ---

// The DynamoDB type that values of Postgres type `type` compare as in a pushed-down condition:
// N for smallint, integer, bigint and numeric, S for text and varchar, B for bytea, BOOL for
// boolean; NUL for every other type, which DynamoDB does not compare (a float rounds, char pads).
dynamo::AttrType DynamoComparedAs(Oid type);
// Whether values of `type` may be compared with an attribute of DynamoDB type `target`: when they
// compare as target, or, with text_number_key (a number key read through a text column), when
// they are text (whose text then compares as a number).
bool DynamoTypeComparable(Oid type, dynamo::AttrType target, bool text_number_key);
// Constant c as a value of DynamoDB type `target`, in *out (its data palloc'd or in c); false
// when it has none: c is NULL, its type does not compare as target (a text compared with an N
// target may), or its text is no number DynamoDB can store.
bool DynamoConstAs(const Const *c, dynamo::AttrType target, DynamoScalar *out);
// The DynamoDB values that read as exactly the text `text` through a text column or `->>` of a
// jsonb (S as itself, N as its digits, BOOL as true/false, B as base64, NULL as SQL NULL, lists,
// maps and sets as JSON text): up to 4 scalars in alts[] (S always, N when the text is a number
// as DynamoDB writes it, BOOL for "true"/"false", B for canonical base64). False when the set
// cannot be known exactly: a text that may be a list, map or set's JSON (starts with '[' or '{'),
// a number not written as DynamoDB writes numbers ("5.0", "1e2", "0"), or the empty text.
bool DynamoTextReadAs(const char *text, DynamoScalar alts[4], int *nalts);
