#include "client/sample.hpp"

#include <algorithm>

#include "client/number_text.hpp"
#include "client/read_cursor.hpp"

namespace dynamo {

void AttributeSampler::Add(const Item &item) {
    items_++;
    for (const auto &entry : item) {
        Seen &s = seen_[entry.first];
        s.items++;
        const AttributeValue &v = entry.second;
        if (v.type == AttrType::NUL)
            continue;
        s.types |= 1u << static_cast<unsigned>(v.type);
        if (v.type == AttrType::N && s.whole) {
            int64_t n;
            s.whole = ParseInteger(v.str, INT64_MIN, INT64_MAX, n) == IntParse::Ok;
        }
    }
}

std::vector<SampledAttribute> AttributeSampler::Consistent() const {
    std::vector<SampledAttribute> out;
    for (const auto &e : seen_) {
        uint32_t t = e.second.types;
        if (t == 0 || (t & (t - 1)) != 0)
            continue;  // only NULLs, or more than one type
        SampledAttribute a;
        a.name = e.first;
        unsigned bit = 0;
        while ((t >> bit) != 1u)
            bit++;
        a.type = static_cast<AttrType>(bit);
        a.whole = e.second.whole;
        a.items = e.second.items;
        out.push_back(std::move(a));
    }
    return out;
}

int64_t AttributeSampler::mixed() const {
    int64_t n = 0;
    for (const auto &e : seen_)
        n += (e.second.types & (e.second.types - 1)) != 0;
    return n;
}

Error SampleTable(DynamoClient *client, const std::string &table, int64_t limit,
                  AttributeSampler &out, AbortFn abort) {
    ReadPlan plan;
    plan.kind = ReadPlan::Kind::Scan;
    plan.request.table = table;
    plan.request.limit = std::min<int64_t>(limit, 1000);
    plan.prefetch = false;
    ReadCursor cursor(client, std::move(plan));
    Page page;
    bool done = false;
    while (!done && out.items() < limit) {
        Error e = cursor.Next(page, done, abort);
        if (!e.ok())
            return e;
        for (const Item &item : page.items) {
            if (out.items() >= limit)
                break;
            out.Add(item);
        }
    }
    return Error();
}

}  // namespace dynamo
