// Writes collected for BatchWriteItem requests (see write_batch.hpp). Pure C++.
#include "client/write_batch.hpp"

#include <utility>

#include "client/json_codec.hpp"

namespace dynamo {

void WriteBatch::SetKey(const TableDescription &desc) {
    hash_ = desc.hash.name;
    has_range_ = desc.has_range;
    range_ = desc.has_range ? desc.range.name : std::string();
}

std::string WriteBatch::KeyId(const Item &item) const {
    std::string id;
    for (const std::string *name : {&hash_, has_range_ ? &range_ : nullptr}) {
        if (name == nullptr)
            continue;
        const AttributeValue *v = FindAttribute(item, *name);
        if (v == nullptr) {
            id += "-;";  // absent (the caller checks that the key is whole)
            continue;
        }
        id += AttrTypeName(v->type);
        id += ':';
        std::string text = v->type == AttrType::N ? NumberKey(v->str) : v->str;
        id += std::to_string(text.size());
        id += ':';
        id += text;
    }
    return id;
}

bool WriteBatch::Add(bool is_delete, Item item, size_t limit) {
    std::string id = KeyId(item);
    BatchWrite bw;
    bw.is_delete = is_delete;
    bw.item = std::move(item);
    auto found = index_.find(id);
    if (found != index_.end()) {
        writes_[found->second] = std::move(bw);
    } else {
        index_.emplace(std::move(id), writes_.size());
        writes_.push_back(std::move(bw));
    }
    return writes_.size() >= limit;
}

void WriteBatch::Clear() {
    writes_.clear();
    index_.clear();
}

std::string WriteBatch::KeysText(size_t shown) const {
    std::string out;
    auto is_key = [this](const std::string &n) {
        return n == hash_ || (has_range_ && n == range_);
    };
    for (size_t i = 0; i < writes_.size() && i < shown; i++) {
        if (i > 0)
            out += ", ";
        AppendItemPlainJson(out, writes_[i].item, is_key);
    }
    if (writes_.size() > shown)
        out += ", ...";
    return out;
}

}  // namespace dynamo
