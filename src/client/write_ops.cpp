// The write operations: PutItem, UpdateItem, DeleteItem and BatchWriteItem (request bodies,
// responses, and the retry of a batch's UnprocessedItems), the UpdateExpression builder and
// DynamoDB's item size. Pure C++; errors are returned as values.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>

#include "client/number_text.hpp"
#include "client/dynamodb_client.hpp"
#include "client/expression.hpp"
#include "client/json_codec.hpp"

namespace dynamo {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

simdjson::dom::parser &ResponseParser() {
    static simdjson::dom::parser parser;
    return parser;
}

void PutString(Writer &w, const std::string &s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// The parts every single-item write shares: table, item or key, expressions, placeholders.
void WriteCommon(Writer &w, const WriteRequest &r, const char *item_field) {
    w.Key("TableName");
    PutString(w, r.table);
    w.Key(item_field);
    WriteItem(w, r.item);
    if (!r.update.empty()) {
        w.Key("UpdateExpression");
        PutString(w, r.update);
    }
    if (!r.condition.empty()) {
        w.Key("ConditionExpression");
        PutString(w, r.condition);
    }
    WriteExpressionNames(w, r.names);
    WriteExpressionValues(w, r.values);
}

std::string SingleBody(const WriteRequest &r, const char *item_field, const char *return_values) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    WriteCommon(w, r, item_field);
    if (r.return_values) {
        w.Key("ReturnValues");
        w.String(return_values);
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

// Parses a write response: {"Attributes": {...}} when values were asked for, otherwise {}.
void ParseAttributes(std::string_view text, Item &out) {
    out.clear();
    simdjson::dom::element doc;
    if (ResponseParser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
        throw JsonError("response is not JSON");
    simdjson::dom::object attrs;
    if (doc["Attributes"].get_object().get(attrs) == simdjson::SUCCESS)
        out = ParseItem(attrs);
}

// A ConditionalCheckFailedException becomes condition_failed and no error.
Error ConditionOutcome(Error err, bool &condition_failed) {
    condition_failed = false;
    if (err.kind == ErrorKind::Service && err.type == "ConditionalCheckFailedException") {
        condition_failed = true;
        return Error{};
    }
    return err;
}

// DynamoDB's size of a number: one byte per two significant digits, plus one.
size_t NumberSize(const std::string &text) {
    DecimalText d;
    if (!ScanDecimal(text, d))
        return text.size();
    std::string digits;
    digits.append(d.int_digits);
    digits.append(d.frac_digits);
    size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos)
        return 1;
    size_t last = digits.find_last_not_of('0');
    return (last - first + 2) / 2 + 1;
}

size_t ValueSize(const AttributeValue &v) {
    size_t n = 0;
    switch (v.type) {
        case AttrType::S:
        case AttrType::B:
            return v.str.size();
        case AttrType::N:
            return NumberSize(v.str);
        case AttrType::BOOL:
        case AttrType::NUL:
            return 1;
        case AttrType::SS:
        case AttrType::BS:
            for (const std::string &s : v.set)
                n += s.size();
            return n;
        case AttrType::NS:
            for (const std::string &s : v.set)
                n += NumberSize(s);
            return n;
        case AttrType::L:
            n = 3;
            for (const AttributeValue &e : v.list)
                n += 1 + ValueSize(e);
            return n;
        case AttrType::M:
            n = 3;
            for (const auto &e : v.map)
                n += 1 + e.first.size() + ValueSize(e.second);
            return n;
    }
    return n;
}

}  // namespace

std::string DynamoClient::PutItemBody(const WriteRequest &r) {
    return SingleBody(r, "Item", "ALL_OLD");
}

std::string DynamoClient::UpdateItemBody(const WriteRequest &r) {
    return SingleBody(r, "Key", "ALL_NEW");
}

std::string DynamoClient::DeleteItemBody(const WriteRequest &r) {
    return SingleBody(r, "Key", "ALL_OLD");
}

std::string DynamoClient::BatchWriteItemBody(const std::string &table,
                                             const std::vector<BatchWrite> &writes) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("RequestItems");
    w.StartObject();
    PutString(w, table);
    w.StartArray();
    for (const BatchWrite &bw : writes) {
        w.StartObject();
        w.Key(bw.is_delete ? "DeleteRequest" : "PutRequest");
        w.StartObject();
        w.Key(bw.is_delete ? "Key" : "Item");
        WriteItem(w, bw.item);
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

Error DynamoClient::PutItem(const WriteRequest &request, bool &condition_failed, AbortFn abort) {
    Item ignored;
    Error err = Call(
        "PutItem", PutItemBody(request),
        [&](std::string_view text) { ParseAttributes(text, ignored); }, abort);
    return ConditionOutcome(std::move(err), condition_failed);
}

Error DynamoClient::UpdateItem(const WriteRequest &request, bool &condition_failed, Item &returned,
                               AbortFn abort) {
    returned.clear();
    Error err = Call(
        "UpdateItem", UpdateItemBody(request),
        [&](std::string_view text) { ParseAttributes(text, returned); }, abort);
    return ConditionOutcome(std::move(err), condition_failed);
}

Error DynamoClient::DeleteItem(const WriteRequest &request, bool &condition_failed, Item &returned,
                               AbortFn abort) {
    returned.clear();
    Error err = Call(
        "DeleteItem", DeleteItemBody(request),
        [&](std::string_view text) { ParseAttributes(text, returned); }, abort);
    return ConditionOutcome(std::move(err), condition_failed);
}

Error DynamoClient::BatchWriteItem(const std::string &table, std::vector<BatchWrite> &writes,
                                   AbortFn abort) {
    if (writes.empty())
        return Error{};
    // Writes DynamoDB did not get to are sent again.
    auto round = [&](size_t &rest) {
        std::vector<BatchWrite> left;
        Error err = Call(
            "BatchWriteItem", BatchWriteItemBody(table, writes),
            [&](std::string_view text) {
                left.clear();
                simdjson::dom::element doc;
                if (ResponseParser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
                    throw JsonError("BatchWriteItem response is not JSON");
                simdjson::dom::array pending;
                if (doc["UnprocessedItems"][table].get_array().get(pending) != simdjson::SUCCESS)
                    return;
                for (simdjson::dom::element e : pending) {
                    BatchWrite bw;
                    simdjson::dom::object o;
                    if (e["PutRequest"]["Item"].get_object().get(o) == simdjson::SUCCESS) {
                        bw.item = ParseItem(o);
                    } else if (e["DeleteRequest"]["Key"].get_object().get(o) == simdjson::SUCCESS) {
                        bw.is_delete = true;
                        bw.item = ParseItem(o);
                    } else {
                        throw JsonError("an unprocessed item is neither a put nor a delete");
                    }
                    left.push_back(std::move(bw));
                }
            },
            abort);
        if (!err.ok())
            return err;
        writes.swap(left);
        rest = writes.size();
        return err;
    };
    return InRounds("BatchWriteItem", table, "UnprocessedItems", "items", round, abort);
}

void BuildUpdate(const Item &set, const std::vector<std::string> &remove,
                 const std::string &must_exist, WriteRequest &request) {
    UpdateSpec spec;
    spec.set = set;
    spec.remove = remove;
    BuildUpdateSpec(spec, must_exist, request);
}

namespace {

// How many values a document may have before its condition is the whole value compared with `=`
// rather than member by member (the expression stays well under DynamoDB's 4 KB).
constexpr size_t kMemberChecks = 40;

size_t ValueCount(const AttributeValue &v) {
    size_t n = 1;
    for (const auto &e : v.list)
        n += ValueCount(e);
    for (const auto &m : v.map)
        n += ValueCount(m.second);
    return n;
}

// The condition that the document path `path` (rendered, with placeholders) holds exactly v.
// Maps and lists are checked member by member (their type, their size, each member), sets by
// their type, size and members: DynamoDB compares them so too, and local emulators that cannot
// compare documents with `=` can.
std::string Holds(const std::string &path, const AttributeValue &v, bool whole, Placeholders &ph) {
    // (Placeholders are numbered as they are declared: every part is built in reading order.)
    auto type = [&](AttrType t) {
        std::string code = ph.Value(Operand::Const(AttributeValue::String(AttrTypeName(t))));
        return "attribute_type(" + path + ", " + code + ")";
    };
    auto size = [&](size_t n) {
        std::string count = ph.Value(Operand::Const(AttributeValue::Number(std::to_string(n))));
        return "size(" + path + ") = " + count;
    };
    bool document = v.type == AttrType::M || v.type == AttrType::L;
    bool set = v.type == AttrType::SS || v.type == AttrType::NS || v.type == AttrType::BS;
    if (v.type == AttrType::NUL)
        return type(AttrType::NUL);
    if (whole || !(document || set))
        return path + " = " + ph.Value(Operand::Const(v));
    std::string text = type(v.type);
    text += " AND ";
    text += size(v.type == AttrType::M   ? v.map.size()
                 : v.type == AttrType::L ? v.list.size()
                                         : v.set.size());
    if (v.type == AttrType::M) {
        for (const auto &m : v.map) {
            std::string member = path + "." + ph.Name(m.first);
            text += " AND " + Holds(member, m.second, false, ph);
        }
    } else if (v.type == AttrType::L) {
        for (size_t i = 0; i < v.list.size(); i++)
            text += " AND " + Holds(path + "[" + std::to_string(i) + "]", v.list[i], false, ph);
    } else {
        for (const auto &member : v.set) {
            AttributeValue one = v.type == AttrType::SS   ? AttributeValue::String(member)
                                 : v.type == AttrType::NS ? AttributeValue::Number(member)
                                                          : AttributeValue::Binary(member);
            text += " AND contains(" + path + ", " + ph.Value(Operand::Const(one)) + ")";
        }
    }
    return text;
}

}  // namespace

std::string ExpectText(const std::vector<std::pair<std::string, AttributeValue>> &expect,
                       Placeholders &ph) {
    std::string text;
    for (const auto &e : expect) {
        std::string name = ph.Name(e.first);
        if (e.second.type == AttrType::NUL) {
            std::string null = ph.Value(Operand::Const(AttributeValue::String("NULL")));
            text += " AND (attribute_not_exists(" + name + ") OR attribute_type(" + name + ", " +
                    null + "))";
        } else {
            std::string holds = Holds(name, e.second, ValueCount(e.second) > kMemberChecks, ph);
            text += " AND (" + holds + ")";
        }
    }
    return text;
}

void BuildExpectCondition(const std::string &must_exist,
                          const std::vector<std::pair<std::string, AttributeValue>> &expect,
                          WriteRequest &request) {
    Placeholders ph;
    request.update.clear();
    request.condition = "attribute_exists(" + ph.Name(must_exist) + ")";
    request.condition += ExpectText(expect, ph);
    request.names = ph.names();
    request.values = ph.values();
}

void BuildUpdateSpec(const UpdateSpec &spec, const std::string &must_exist, WriteRequest &request) {
    Placeholders ph;
    std::string text;
    for (const auto &entry : spec.set) {
        text += text.empty() ? "SET " : ", ";
        text += ph.Name(entry.first);
        text += " = ";
        text += ph.Value(Operand::Const(entry.second));
    }
    std::string arith_condition;  // (declared after every name of the update expression)
    const std::string number =
        spec.arith.empty() ? std::string() : ph.Value(Operand::Const(AttributeValue::String("N")));
    for (const Arithmetic &a : spec.arith) {
        std::string name = ph.Name(a.attr);
        text += text.empty() ? "SET " : ", ";
        text += name + " = ";
        text += a.has_start
                    ? "if_not_exists(" + name + ", " + ph.Value(Operand::Const(a.start)) + ")"
                    : name;
        text += a.subtract ? " - " : " + ";
        text += ph.Value(Operand::Const(a.delta));
        std::string typed = "attribute_type(" + name + ", " + number + ")";
        arith_condition += a.has_start
                               ? " AND (attribute_not_exists(" + name + ") OR " + typed + ")"
                               : " AND " + typed;
    }
    const std::string list = spec.appends.empty()
                                 ? std::string()
                                 : ph.Value(Operand::Const(AttributeValue::String("L")));
    for (const ListAppend &a : spec.appends) {
        std::string name = ph.Name(a.attr);
        std::string value = ph.Value(Operand::Const(a.list));
        text += text.empty() ? "SET " : ", ";
        text += name + " = list_append(" + (a.prepend ? value + ", " + name : name + ", " + value) +
                ")";
        arith_condition += " AND attribute_type(" + name + ", " + list + ")";
    }
    for (size_t i = 0; i < spec.remove.size(); i++) {
        text += i == 0 ? (text.empty() ? "REMOVE " : " REMOVE ") : ", ";
        text += ph.Name(spec.remove[i]);
    }
    std::string condition = "attribute_exists(" + ph.Name(must_exist) + ")" + arith_condition;
    condition += ExpectText(spec.expect, ph);
    if (!spec.also.IsTrue())
        condition += " AND (" + Render(spec.also, ph) + ")";
    request.update = std::move(text);
    request.condition = std::move(condition);
    request.names = ph.names();
    request.values = ph.values();
}

void BuildDeleteCondition(const Condition &c, WriteRequest &request) {
    Placeholders ph;
    request.update.clear();
    request.condition = Render(c, ph);
    request.names = ph.names();
    request.values = ph.values();
}

void BuildPutIfAbsent(const std::string &key_name, WriteRequest &request) {
    Placeholders ph;
    request.condition = "attribute_not_exists(" + ph.Name(key_name) + ")";
    request.names = ph.names();
    request.values.clear();
}

std::string NumberKey(const std::string &text) {
    DecimalText d;
    if (!ScanDecimal(text, d))
        return text;
    std::string digits(d.int_digits);
    digits.append(d.frac_digits);
    size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos)
        return "0";
    size_t last = digits.find_last_not_of('0');
    // value = digits[first..last] * 10^exponent
    int64_t exponent = d.exponent - static_cast<int64_t>(d.frac_digits.size()) +
                       static_cast<int64_t>(digits.size() - 1 - last);
    return (d.negative ? "-" : "") + digits.substr(first, last - first + 1) + "e" +
           std::to_string(exponent);
}

size_t ItemSize(const Item &item) {
    size_t n = 0;
    for (const auto &entry : item)
        n += entry.first.size() + ValueSize(entry.second);
    return n;
}

}  // namespace dynamo
