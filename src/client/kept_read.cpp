#include "client/kept_read.hpp"

#include <algorithm>

#include "client/number_text.hpp"
#include "client/transact.hpp"

namespace dynamo {

int CompareKeyValues(const AttributeValue &a, const AttributeValue &b) {
    auto keyish = [](const AttributeValue &v) {
        return v.type == AttrType::S || v.type == AttrType::N || v.type == AttrType::B;
    };
    bool ka = keyish(a), kb = keyish(b);
    if (!ka || !kb || a.type != b.type)
        return ka == kb ? 0 : ka ? -1 : 1;
    if (a.type == AttrType::N)
        return CompareDecimal(a.str, b.str);
    int c = a.str.compare(b.str);  // bytes (std::string compares as unsigned char)
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

void KeptReadView::Reset(std::vector<std::string> written, std::vector<Item> items) {
    written_.clear();
    written_.insert(written.begin(), written.end());
    items_ = std::move(items);
    sort_key_.clear();
    pos_ = 0;
}

void KeptReadView::OrderBy(const std::string &sort_key, bool forward) {
    sort_key_ = sort_key;
    forward_ = forward;
    pos_ = 0;
    if (sort_key_.empty())
        return;
    std::stable_sort(items_.begin(), items_.end(), [&](const Item &x, const Item &y) {
        const AttributeValue *a = FindAttribute(x, sort_key_);
        const AttributeValue *b = FindAttribute(y, sort_key_);
        if (a == nullptr || b == nullptr)
            return a != nullptr && b == nullptr;  // items without it last
        int c = CompareKeyValues(*a, *b);
        return forward_ ? c < 0 : c > 0;
    });
}

void KeptReadView::DropWritten(const TableDescription &desc, std::vector<Item> &items) const {
    if (written_.empty())
        return;
    items.erase(std::remove_if(
                    items.begin(), items.end(),
                    [&](const Item &item) { return written_.count(KeyIdentity(desc, item)) != 0; }),
                items.end());
}

const Item *KeptReadView::Before(const Item *next) {
    if (pos_ >= items_.size())
        return nullptr;
    const Item &mine = items_[pos_];
    if (next != nullptr) {
        if (sort_key_.empty())
            return nullptr;
        const AttributeValue *a = FindAttribute(mine, sort_key_);
        const AttributeValue *b = FindAttribute(*next, sort_key_);
        if (a == nullptr)
            return nullptr;
        if (b != nullptr) {
            int c = CompareKeyValues(*a, *b);
            if (forward_ ? c >= 0 : c <= 0)
                return nullptr;
        }
    }
    pos_++;
    return &mine;
}

}  // namespace dynamo
