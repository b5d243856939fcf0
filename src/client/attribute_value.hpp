// DynamoDB attribute values as plain C++ data. This header is part of the client layer and
// never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamo {

enum class AttrType : uint8_t { S, N, B, BOOL, NUL, L, M, SS, NS, BS };

// One DynamoDB value. Which members are meaningful depends on `type`:
//   S, N    -> str (N keeps DynamoDB's decimal text, every digit)
//   B       -> str holds the raw bytes (already base64-decoded)
//   BOOL    -> boolean
//   NUL     -> nothing
//   L       -> list
//   M       -> map (attribute order as received)
//   SS, NS  -> set (strings / decimal texts)
//   BS      -> set (raw bytes, base64-decoded)
struct AttributeValue {
    AttrType type = AttrType::NUL;
    bool boolean = false;
    std::string str;
    std::vector<AttributeValue> list;
    std::vector<std::pair<std::string, AttributeValue>> map;
    std::vector<std::string> set;

    static AttributeValue String(std::string v) {
        AttributeValue a;
        a.type = AttrType::S;
        a.str = std::move(v);
        return a;
    }
    static AttributeValue Number(std::string v) {
        AttributeValue a;
        a.type = AttrType::N;
        a.str = std::move(v);
        return a;
    }
    static AttributeValue Binary(std::string bytes) {
        AttributeValue a;
        a.type = AttrType::B;
        a.str = std::move(bytes);
        return a;
    }
    static AttributeValue Bool(bool v) {
        AttributeValue a;
        a.type = AttrType::BOOL;
        a.boolean = v;
        return a;
    }
    static AttributeValue Null() { return AttributeValue(); }
    static AttributeValue List(std::vector<AttributeValue> members) {
        AttributeValue a;
        a.type = AttrType::L;
        a.list = std::move(members);
        return a;
    }
};

bool operator==(const AttributeValue &a, const AttributeValue &b);
inline bool operator!=(const AttributeValue &a, const AttributeValue &b) {
    return !(a == b);
}

// An item: attribute name -> value, in the order DynamoDB sent them.
using Item = std::vector<std::pair<std::string, AttributeValue>>;

// Returns the attribute named `name`, or nullptr.
const AttributeValue *FindAttribute(const Item &item, std::string_view name);

// DynamoDB's type descriptor ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS").
const char *AttrTypeName(AttrType t);

}  // namespace dynamo
