// JSON encoding and decoding of DynamoDB attribute values: the typed wire form used in requests
// and responses, and the plain JSON form shown in Postgres jsonb columns. Part of the client
// layer: plain C++, never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "attribute_value.hpp"

namespace dynamo {

// Thrown for malformed DynamoDB JSON (message says what and where).
struct JsonError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Standard base64 (RFC 4648 alphabet, '=' padding).
std::string Base64Encode(std::string_view bytes);
// Appends the base64 text of `bytes` to `out`.
void Base64EncodeAppend(std::string_view bytes, std::string &out);
// Replaces `out` with the decoded bytes. Returns false (and leaves `out` empty) on invalid input:
// length not a multiple of 4, characters outside the alphabet, whitespace, or misplaced padding.
bool Base64Decode(std::string_view text, std::string &out);

// DynamoDB wire form {"S":"x"} / {"N":"1"} / {"B":"base64"} / {"BOOL":true} / {"NULL":true} /
// {"L":[...]} / {"M":{...}} / {"SS":[...]} / {"NS":[...]} / {"BS":[...]}.
// Each value must be an object with exactly one known type descriptor; N and NS elements must be
// decimal number texts; B and BS elements must be valid base64; NULL must be true.
AttributeValue ParseAttributeValue(simdjson::dom::element e);  // throws JsonError
// The order set members are read in, whatever order DynamoDB sent them in (sets have none):
// negative, zero or positive as member a comes before, with or after b. NS members compare by
// value (CompareDecimal), SS and BS members by bytes. Zero means a set cannot hold both: the same
// bytes, or the same number however spelled.
int CompareSetMembers(AttrType type, std::string_view a, std::string_view b);
// Sorts a set's members into that order (equal numbers, which a set never holds, by text).
void SortSet(AttrType type, std::vector<std::string> &members);
// Whether the members are strictly increasing in that order: then a set of them holds each one
// once and reads back as exactly this sequence.
bool InSetOrder(AttrType type, const std::vector<std::string> &members);
// An item: {"name": <attribute value>, ...}, attribute order kept.
Item ParseItem(simdjson::dom::object o);  // throws JsonError
// The same into `item`, reusing the storage its attributes had (for buffers parsed into again
// and again); its earlier contents are replaced.
void ParseItemInto(simdjson::dom::object o, Item &item);  // throws JsonError

// Writers for request bodies (DynamoDB typed form), for use inside a larger RapidJSON document.
void WriteAttributeValue(rapidjson::Writer<rapidjson::StringBuffer> &w, const AttributeValue &v);
void WriteItem(rapidjson::Writer<rapidjson::StringBuffer> &w, const Item &item);
// "ExpressionAttributeNames": {"#n0": "name", ...} and "ExpressionAttributeValues":
// {":v0": <attribute value>, ...} of a request, each only when it has entries (DynamoDB rejects
// an empty map).
void WriteExpressionNames(rapidjson::Writer<rapidjson::StringBuffer> &w,
                          const std::vector<std::pair<std::string, std::string>> &names);
void WriteExpressionValues(rapidjson::Writer<rapidjson::StringBuffer> &w,
                           const std::vector<std::pair<std::string, AttributeValue>> &values);

// Plain JSON (what a Postgres jsonb column shows): S -> JSON string, N -> JSON number with the
// exact digits DynamoDB sent (no float conversion, written raw), B -> base64 JSON string,
// BOOL -> true/false, NULL -> null, L -> array, M -> object, SS/NS/BS -> arrays (NS elements as
// raw numbers, BS elements as base64 strings).
// A number text that is a decimal number but not valid JSON ("+5", ".5", "5.", "007") is written
// in the equivalent JSON spelling ("5", "0.5", "5", "7"); text that is not a number at all is
// written as a JSON string.
std::string ToPlainJson(const AttributeValue &v);
// Appends the plain JSON of `v` to `out`.
void AppendPlainJson(std::string &out, const AttributeValue &v);
// The JSON spelling the plain JSON gives a number text: the text itself, or an equivalent
// spelling written into `scratch`; empty when the text is not a decimal number (it is then
// written as a string).
std::string_view PlainJsonNumber(std::string_view text, std::string &scratch);

// A JSON object of the item's attributes for which keep(name) is true, in item order. An empty
// `keep` keeps every attribute.
std::string ItemToPlainJson(const Item &item, const std::function<bool(const std::string &)> &keep);
// Appends the same object to `out`.
void AppendItemPlainJson(std::string &out, const Item &item,
                         const std::function<bool(const std::string &)> &keep);

}  // namespace dynamo

namespace dynamo {

// The inverse of the plain form: a JSON text becomes a DynamoDB value, objects as M, arrays as
// L, strings as S, numbers as N with their exact digits, true/false as BOOL, null as NULL.
// Throws JsonError when the text is not JSON.
AttributeValue FromPlainJson(std::string_view json);

}  // namespace dynamo
