// Writes kept for a transaction: action kinds, key identities, sizes, the TransactWriteItems
// request and its cancellation reasons, and the kept writes per subtransaction level.
#include "client/transact.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <random>

#include "client/json_codec.hpp"

namespace dynamo {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void PutString(Writer &w, const std::string &s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

const char *ActionName(TransactKind kind) {
    switch (kind) {
        case TransactKind::Put:
            return "Put";
        case TransactKind::Update:
            return "Update";
        case TransactKind::Delete:
            return "Delete";
        case TransactKind::ConditionCheck:
            return "ConditionCheck";
    }
    return "Put";
}

// One key value with its type, length-prefixed so that no two keys run together.
void AppendValueIdentity(std::string &out, const AttributeValue &v) {
    std::string text = v.type == AttrType::N ? NumberKey(v.str) : v.str;
    out.append(AttrTypeName(v.type));
    out.push_back(':');
    out.append(std::to_string(text.size()));
    out.push_back(':');
    out.append(text);
}

}  // namespace

const char *SingleOperation(TransactKind kind) {
    switch (kind) {
        case TransactKind::Put:
            return "PutItem";
        case TransactKind::Update:
            return "UpdateItem";
        case TransactKind::Delete:
            return "DeleteItem";
        case TransactKind::ConditionCheck:
            return "";
    }
    return "";
}

bool KindOfOperation(const std::string &operation, TransactKind &kind) {
    if (operation == "PutItem")
        kind = TransactKind::Put;
    else if (operation == "UpdateItem")
        kind = TransactKind::Update;
    else if (operation == "DeleteItem")
        kind = TransactKind::Delete;
    else
        return false;
    return true;
}

std::string KeyIdentity(const TableDescription &desc, const Item &item) {
    const AttributeValue *h = FindAttribute(item, desc.hash.name);
    if (h == nullptr)
        return std::string();
    std::string out;
    AppendValueIdentity(out, *h);
    if (desc.has_range) {
        const AttributeValue *r = FindAttribute(item, desc.range.name);
        if (r == nullptr)
            return std::string();
        out.push_back('|');
        AppendValueIdentity(out, *r);
    }
    return out;
}

std::string PartitionIdentity(const AttributeValue &value) {
    std::string out;
    AppendValueIdentity(out, value);
    return out;
}

Item KeyOf(const TableDescription &desc, const Item &item) {
    Item key;
    if (const AttributeValue *h = FindAttribute(item, desc.hash.name))
        key.emplace_back(desc.hash.name, *h);
    if (desc.has_range)
        if (const AttributeValue *r = FindAttribute(item, desc.range.name))
            key.emplace_back(desc.range.name, *r);
    return key;
}

size_t ActionSize(const TransactAction &action) {
    const WriteRequest &r = action.request;
    size_t n = ItemSize(r.item) + r.update.size() + r.condition.size();
    for (const auto &name : r.names)
        n += name.first.size() + name.second.size();
    for (const auto &value : r.values) {
        Item one;
        one.emplace_back(value.first, value.second);
        n += ItemSize(one);
    }
    return n;
}

std::string TransactWriteItemsBody(const std::vector<TransactAction> &actions,
                                   const std::string &client_request_token) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("TransactItems");
    w.StartArray();
    for (const TransactAction &a : actions) {
        const WriteRequest &r = a.request;
        w.StartObject();
        w.Key(ActionName(a.kind));
        w.StartObject();
        w.Key("TableName");
        PutString(w, r.table);
        w.Key(a.kind == TransactKind::Put ? "Item" : "Key");
        WriteItem(w, r.item);
        if (a.kind == TransactKind::Update) {
            w.Key("UpdateExpression");
            PutString(w, r.update);
        }
        if (!r.condition.empty()) {
            w.Key("ConditionExpression");
            PutString(w, r.condition);
        }
        WriteExpressionNames(w, r.names);
        WriteExpressionValues(w, r.values);
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    w.Key("ClientRequestToken");
    PutString(w, client_request_token);
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

std::vector<std::string> CancellationReasons(const std::string &message) {
    std::vector<std::string> reasons;
    size_t open = message.rfind('[');
    size_t close = message.rfind(']');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return reasons;
    std::string list = message.substr(open + 1, close - open - 1);
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos)
            comma = list.size();
        std::string part = list.substr(pos, comma - pos);
        size_t b = part.find_first_not_of(' ');
        size_t e = part.find_last_not_of(' ');
        reasons.push_back(b == std::string::npos ? std::string() : part.substr(b, e - b + 1));
        pos = comma + 1;
    }
    if (reasons.size() == 1 && reasons[0].empty())
        reasons.clear();
    return reasons;
}

std::string NewClientRequestToken() {
    static const char kHex[] = "0123456789abcdef";
    std::random_device rd;
    std::string out;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out.push_back('-');
        out.push_back(kHex[rd() & 15]);
    }
    return out;
}

Error DynamoClient::TransactWriteItems(const std::vector<TransactAction> &actions,
                                       const std::string &token, AbortFn abort) {
    return Call(
        "TransactWriteItems", TransactWriteItemsBody(actions, token), [](std::string_view) {},
        abort);
}

// --- KeptWrites ---

KeptWrites::Outcome KeptWrites::Keep(Entry entry) {
    if (HasItem(entry.table, entry.key_id))
        return Outcome::SecondWrite;
    if (entries_.size() + 1 > kTransactActionLimit)
        return Outcome::TooMany;
    entry.size = ActionSize(entry.action);
    if (bytes_ + entry.size > kTransactSizeLimit)
        return Outcome::TooLarge;
    bytes_ += entry.size;
    entries_.push_back(std::move(entry));
    return Outcome::Kept;
}

void KeptWrites::AbortLevel(int level) {
    auto gone = std::remove_if(entries_.begin(), entries_.end(),
                               [level](const Entry &e) { return e.level >= level; });
    for (auto it = gone; it != entries_.end(); ++it)
        bytes_ -= it->size;
    entries_.erase(gone, entries_.end());
}

void KeptWrites::CommitLevel(int level) {
    for (Entry &e : entries_)
        if (e.level >= level)
            e.level = level - 1;
}

void KeptWrites::Clear() {
    entries_.clear();
    bytes_ = 0;
}

bool KeptWrites::TouchesTable(const std::string &table) const {
    for (const Entry &e : entries_)
        if (e.table == table)
            return true;
    return false;
}

bool KeptWrites::HasItem(const std::string &table, const std::string &key_id) const {
    for (const Entry &e : entries_)
        if (e.table == table && e.key_id == key_id)
            return true;
    return false;
}

bool KeptWrites::HasPartition(const std::string &table, const std::string &partition_id) const {
    for (const Entry &e : entries_)
        if (e.table == table && e.partition_id == partition_id)
            return true;
    return false;
}

}  // namespace dynamo
