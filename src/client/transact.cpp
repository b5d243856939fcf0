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

// --- the item as kept writes leave it ---

namespace {

void SetAttribute(Item &item, const std::string &name, const AttributeValue &value) {
    for (auto &a : item)
        if (a.first == name) {
            a.second = value;
            return;
        }
    item.emplace_back(name, value);
}

void RemoveAttribute(Item &item, const std::string &name) {
    item.erase(std::remove_if(item.begin(), item.end(),
                              [&](const std::pair<std::string, AttributeValue> &a) {
                                  return a.first == name;
                              }),
               item.end());
}

void ApplySpec(const UpdateSpec &spec, Item &item) {
    for (const auto &s : spec.set)
        SetAttribute(item, s.first, s.second);
    for (const std::string &r : spec.remove)
        RemoveAttribute(item, r);
}

bool Written(const UpdateSpec &spec, const std::string &attr) {
    for (const auto &s : spec.set)
        if (s.first == attr)
            return true;
    return std::find(spec.remove.begin(), spec.remove.end(), attr) != spec.remove.end();
}

// What `then` expected of attributes that `first` does not write: those values came from the
// item as DynamoDB holds it, so DynamoDB must still hold them (the others `first` wrote, and they
// hold by construction). Added to `out`'s expectations.
void AddUnwrittenExpectations(const UpdateSpec &first, const UpdateSpec &then, UpdateSpec &out) {
    for (const auto &e : then.expect) {
        if (Written(first, e.first))
            continue;
        bool same = false;
        for (const auto &o : out.expect)
            same = same || (o.first == e.first && o.second == e.second);
        if (!same)
            out.expect.push_back(e);
    }
}

// Sets out's condition (with its own placeholders) to first's: what first required of the item
// as DynamoDB holds it. Put and Delete carry it rendered; an Update renders it from its spec.
void CarryCondition(const KeptWrites::Entry &first, WriteRequest &out) {
    if (first.action.kind == TransactKind::Update) {
        BuildDeleteCondition(UpdateCondition(first.spec, first.hash_name), out);
        return;
    }
    out.condition = first.action.request.condition;
    out.names = first.action.request.names;
    out.values = first.action.request.values;
}

}  // namespace

void ApplyKept(TransactKind kind, const Item &put_item, const UpdateSpec &spec, Item &item,
               bool &exists) {
    switch (kind) {
        case TransactKind::Put:
            item = put_item;
            exists = true;
            break;
        case TransactKind::Delete:
            item.clear();
            exists = false;
            break;
        case TransactKind::Update:
            if (exists)
                ApplySpec(spec, item);
            break;
        case TransactKind::ConditionCheck:
            break;
    }
}

Condition UpdateCondition(const UpdateSpec &spec, const std::string &key_name) {
    std::vector<Condition> parts;
    parts.push_back(Condition::Exists(key_name));
    for (const auto &e : spec.expect) {
        if (e.second.type == AttrType::NUL)
            parts.push_back(Condition::Or(
                {Condition::NotExists(e.first), Condition::TypeIs(e.first, AttrType::NUL)}));
        else
            parts.push_back(Condition::Compare(e.first, CompareOp::Eq, Operand::Const(e.second)));
    }
    if (!spec.also.IsTrue())
        parts.push_back(spec.also);
    return Condition::And(std::move(parts));
}

// --- KeptWrites ---

bool KeptWrites::Merge(const Entry &first, const Entry &then, Entry &out) {
    out = then;
    const WriteRequest &fr = first.action.request;
    WriteRequest &r = out.action.request;
    switch (then.action.kind) {
        case TransactKind::Put:
            r.update.clear();
            CarryCondition(first, r);
            out.spec = UpdateSpec();
            return true;
        case TransactKind::Delete:
            r.update.clear();
            if (first.action.kind == TransactKind::Update) {
                // The update's condition, and what the delete read of attributes it left alone.
                UpdateSpec spec = first.spec;
                AddUnwrittenExpectations(first.spec, then.spec, spec);
                BuildDeleteCondition(UpdateCondition(spec, first.hash_name), r);
            } else {
                CarryCondition(first, r);
            }
            out.spec = UpdateSpec();
            return true;
        case TransactKind::Update:
            break;
        case TransactKind::ConditionCheck:
            return false;
    }
    switch (first.action.kind) {
        case TransactKind::Put: {
            // An update of an item the transaction put: the put, updated.
            out.action.kind = TransactKind::Put;
            r.item = fr.item;
            ApplySpec(then.spec, r.item);
            r.update.clear();
            CarryCondition(first, r);
            out.spec = UpdateSpec();
            return true;
        }
        case TransactKind::Update: {
            // Two updates: the later SET or REMOVE of an attribute wins; first's expectations, and
            // then's of attributes first left alone.
            UpdateSpec spec = first.spec;
            AddUnwrittenExpectations(first.spec, then.spec, spec);
            for (const auto &s : then.spec.set) {
                spec.remove.erase(std::remove(spec.remove.begin(), spec.remove.end(), s.first),
                                  spec.remove.end());
                SetAttribute(spec.set, s.first, s.second);
            }
            for (const std::string &name : then.spec.remove) {
                RemoveAttribute(spec.set, name);
                if (std::find(spec.remove.begin(), spec.remove.end(), name) == spec.remove.end())
                    spec.remove.push_back(name);
            }
            out.spec = spec;
            r.item = fr.item;
            BuildUpdateSpec(spec, first.hash_name, r);
            r.return_values = false;
            return true;
        }
        default:
            return false;  // the item was deleted: no row to update
    }
}

KeptWrites::Outcome KeptWrites::Keep(Entry entry) {
    const Entry *current = Find(entry.table, entry.key_id);
    Entry merged;
    if (current != nullptr) {
        if (!Merge(*current, entry, merged))
            return Outcome::Unmergeable;
        merged.level = entry.level;
    } else {
        merged = std::move(entry);
    }
    merged.size = ActionSize(merged.action);
    size_t items = size() + (current == nullptr ? 1 : 0);
    if (items > kTransactActionLimit)
        return Outcome::TooMany;
    size_t total = bytes() + merged.size - (current != nullptr ? current->size : 0);
    if (total > kTransactSizeLimit)
        return Outcome::TooLarge;
    if (current != nullptr && current->level == merged.level) {
        // (Replaced in place: the item keeps its position.)
        for (Entry &e : entries_)
            if (&e == current) {
                e = std::move(merged);
                return Outcome::Kept;
            }
    }
    entries_.push_back(std::move(merged));
    return Outcome::Kept;
}

void KeptWrites::AbortLevel(int level) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [level](const Entry &e) { return e.level >= level; }),
                   entries_.end());
}

void KeptWrites::CommitLevel(int level) {
    for (Entry &e : entries_)
        if (e.level >= level)
            e.level = level - 1;
    // An item's earlier write at the parent level is now shadowed for good.
    std::vector<Entry> kept;
    for (size_t i = 0; i < entries_.size(); i++) {
        bool shadowed = false;
        for (size_t j = i + 1; j < entries_.size() && !shadowed; j++)
            shadowed =
                entries_[j].table == entries_[i].table && entries_[j].key_id == entries_[i].key_id;
        if (!shadowed)
            kept.push_back(std::move(entries_[i]));
    }
    entries_ = std::move(kept);
}

void KeptWrites::Clear() {
    entries_.clear();
}

std::vector<const KeptWrites::Entry *> KeptWrites::Current() const {
    std::vector<const Entry *> out;
    for (size_t i = 0; i < entries_.size(); i++) {
        const Entry &e = entries_[i];
        bool seen = false;
        for (const Entry *o : out)
            seen = seen || (o->table == e.table && o->key_id == e.key_id);
        if (seen)
            continue;
        out.push_back(Find(e.table, e.key_id));
    }
    return out;
}

const KeptWrites::Entry *KeptWrites::Find(const std::string &table,
                                          const std::string &key_id) const {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        if (it->table == table && it->key_id == key_id)
            return &*it;
    return nullptr;
}

size_t KeptWrites::bytes() const {
    size_t n = 0;
    for (const Entry *e : Current())
        n += e->size;
    return n;
}

bool KeptWrites::TouchesTable(const std::string &table) const {
    for (const Entry &e : entries_)
        if (e.table == table)
            return true;
    return false;
}

bool KeptWrites::HasItem(const std::string &table, const std::string &key_id) const {
    return Find(table, key_id) != nullptr;
}

bool KeptWrites::HasPartition(const std::string &table, const std::string &partition_id) const {
    for (const Entry &e : entries_)
        if (e.table == table && e.partition_id == partition_id)
            return true;
    return false;
}

}  // namespace dynamo
