#include "attribute_value.hpp"

#include <algorithm>
#include <string_view>

namespace dynamo {

namespace {

using MapEntries = std::vector<std::pair<std::string, AttributeValue>>;

// Maps are equal when they hold the same keys with equal values, in any order.
bool MapsEqual(const MapEntries &a, const MapEntries &b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (std::equal(a.begin(), a.end(), b.begin())) {
        return true;
    }
    auto by_key = [](const MapEntries::value_type *x, const MapEntries::value_type *y) {
        return x->first < y->first;
    };
    std::vector<const MapEntries::value_type *> sa, sb;
    sa.reserve(a.size());
    sb.reserve(b.size());
    for (const auto &e : a) {
        sa.push_back(&e);
    }
    for (const auto &e : b) {
        sb.push_back(&e);
    }
    std::sort(sa.begin(), sa.end(), by_key);
    std::sort(sb.begin(), sb.end(), by_key);
    for (size_t i = 0; i < sa.size(); ++i) {
        if (sa[i]->first != sb[i]->first || sa[i]->second != sb[i]->second) {
            return false;
        }
    }
    return true;
}

// Sets are equal when they hold the same elements (compared as text / bytes), in any order.
bool SetsEqual(const std::vector<std::string> &a, const std::vector<std::string> &b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a == b) {
        return true;
    }
    std::vector<std::string_view> sa(a.begin(), a.end());
    std::vector<std::string_view> sb(b.begin(), b.end());
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    return sa == sb;
}

}  // namespace

// Compares the members that are meaningful for the type. Lists compare in order; maps and sets
// compare regardless of order. Numbers compare by their text ("1" differs from "1.0").
bool operator==(const AttributeValue &a, const AttributeValue &b) {
    if (a.type != b.type) {
        return false;
    }
    switch (a.type) {
        case AttrType::S:
        case AttrType::N:
        case AttrType::B:
            return a.str == b.str;
        case AttrType::BOOL:
            return a.boolean == b.boolean;
        case AttrType::NUL:
            return true;
        case AttrType::L:
            return a.list == b.list;
        case AttrType::M:
            return MapsEqual(a.map, b.map);
        case AttrType::SS:
        case AttrType::NS:
        case AttrType::BS:
            return SetsEqual(a.set, b.set);
    }
    return false;
}

const AttributeValue *FindAttribute(const Item &item, std::string_view name) {
    for (const auto &entry : item) {
        if (entry.first == name) {
            return &entry.second;
        }
    }
    return nullptr;
}

const char *AttrTypeName(AttrType t) {
    switch (t) {
        case AttrType::S:
            return "S";
        case AttrType::N:
            return "N";
        case AttrType::B:
            return "B";
        case AttrType::BOOL:
            return "BOOL";
        case AttrType::NUL:
            return "NULL";
        case AttrType::L:
            return "L";
        case AttrType::M:
            return "M";
        case AttrType::SS:
            return "SS";
        case AttrType::NS:
            return "NS";
        case AttrType::BS:
            return "BS";
    }
    return "?";
}

}  // namespace dynamo
