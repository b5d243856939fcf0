#include "json_codec.hpp"

#include <algorithm>
#include <vector>

#include <openssl/evp.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "number_text.hpp"

namespace dynamo {

// ---------------------------------------------------------------------------------------------
// Base64

namespace {

// Input bytes per EVP_EncodeBlock call (a multiple of 3) and input characters per
// EVP_DecodeBlock call (a multiple of 4); both keep the int lengths OpenSSL uses in range.
constexpr size_t kEncodeChunk = size_t{3} << 28;
constexpr size_t kDecodeChunk = size_t{4} << 28;

// 1 for characters of the standard base64 alphabet.
struct Base64Alphabet {
    bool member[256] = {};
    constexpr Base64Alphabet() {
        for (int c = 'A'; c <= 'Z'; ++c) {
            member[c] = true;
        }
        for (int c = 'a'; c <= 'z'; ++c) {
            member[c] = true;
        }
        for (int c = '0'; c <= '9'; ++c) {
            member[c] = true;
        }
        member[static_cast<unsigned char>('+')] = true;
        member[static_cast<unsigned char>('/')] = true;
    }
};
constexpr Base64Alphabet kBase64Alphabet;

// Checks the text is canonical padded base64; sets `padding` to the number of trailing '='.
bool ValidBase64(std::string_view text, size_t &padding) {
    if (text.size() % 4 != 0) {
        return false;
    }
    padding = 0;
    size_t n = text.size();
    while (padding < 2 && n > 0 && text[n - 1] == '=') {
        --n;
        ++padding;
    }
    for (size_t i = 0; i < n; ++i) {
        if (!kBase64Alphabet.member[static_cast<unsigned char>(text[i])]) {
            return false;
        }
    }
    return true;
}

}  // namespace

void Base64EncodeAppend(std::string_view bytes, std::string &out) {
    size_t start = out.size();
    size_t encoded = (bytes.size() + 2) / 3 * 4;
    // EVP_EncodeBlock writes a terminating NUL after the text.
    out.resize(start + encoded + 1);
    auto *dst = reinterpret_cast<unsigned char *>(&out[start]);
    auto *src = reinterpret_cast<const unsigned char *>(bytes.data());
    size_t remaining = bytes.size();
    while (remaining > 0) {
        size_t n = std::min(remaining, kEncodeChunk);
        int written = EVP_EncodeBlock(dst, src, static_cast<int>(n));
        dst += written;
        src += n;
        remaining -= n;
    }
    out.resize(start + encoded);
}

std::string Base64Encode(std::string_view bytes) {
    std::string out;
    Base64EncodeAppend(bytes, out);
    return out;
}

bool Base64Decode(std::string_view text, std::string &out) {
    size_t padding = 0;
    if (!ValidBase64(text, padding)) {
        out.clear();
        return false;
    }
    // Resizing the storage of a reused value (usually of the same length) writes nothing; the
    // decoder overwrites every byte.
    out.resize(text.size() / 4 * 3);
    if (text.empty()) {
        return true;
    }
    auto *dst = reinterpret_cast<unsigned char *>(&out[0]);
    auto *src = reinterpret_cast<const unsigned char *>(text.data());
    size_t remaining = text.size();
    while (remaining > 0) {
        size_t n = std::min(remaining, kDecodeChunk);
        // The output length counts the bytes that padding characters decode to.
        int written = EVP_DecodeBlock(dst, src, static_cast<int>(n));
        if (written < 0 || static_cast<size_t>(written) != n / 4 * 3) {
            out.clear();
            return false;
        }
        dst += written;
        src += n;
        remaining -= n;
    }
    out.resize(out.size() - padding);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

// One step of the location of a value inside the parsed document, linked towards the root. Only
// formatted when an error is reported.
struct PathNode {
    const PathNode *parent;
    std::string_view key;  // map key / attribute name when !is_index
    size_t index;          // list or set position when is_index
    bool is_index;
};

std::string FormatPath(const PathNode *path) {
    std::vector<const PathNode *> nodes;
    for (; path != nullptr; path = path->parent) {
        nodes.push_back(path);
    }
    std::string s;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        if ((*it)->is_index) {
            s += '[';
            s += std::to_string((*it)->index);
            s += ']';
        } else {
            if (!s.empty()) {
                s += '.';
            }
            s.append((*it)->key.data(), (*it)->key.size());
        }
    }
    return s;
}

[[noreturn]] void Fail(const PathNode *path, const std::string &what) {
    if (path == nullptr) {
        throw JsonError("invalid DynamoDB JSON: " + what);
    }
    throw JsonError("invalid DynamoDB JSON at " + FormatPath(path) + ": " + what);
}

const char *JsonTypeName(simdjson::dom::element e) {
    switch (e.type()) {
        case simdjson::dom::element_type::ARRAY:
            return "array";
        case simdjson::dom::element_type::OBJECT:
            return "object";
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
            return "number";
        case simdjson::dom::element_type::STRING:
            return "string";
        case simdjson::dom::element_type::BOOL:
            return "boolean";
        case simdjson::dom::element_type::NULL_VALUE:
            return "null";
    }
    return "value";
}

// A short quoted excerpt of a bad value for error messages.
std::string Quote(std::string_view s) {
    constexpr size_t kMax = 40;
    std::string q = "\"";
    q.append(s.data(), std::min(s.size(), kMax));
    if (s.size() > kMax) {
        q += "...";
    }
    q += '"';
    return q;
}

bool DescriptorType(std::string_view d, AttrType &t) {
    switch (d.size()) {
        case 1:
            switch (d[0]) {
                case 'S':
                    t = AttrType::S;
                    return true;
                case 'N':
                    t = AttrType::N;
                    return true;
                case 'B':
                    t = AttrType::B;
                    return true;
                case 'L':
                    t = AttrType::L;
                    return true;
                case 'M':
                    t = AttrType::M;
                    return true;
            }
            return false;
        case 2:
            if (d == "SS") {
                t = AttrType::SS;
            } else if (d == "NS") {
                t = AttrType::NS;
            } else if (d == "BS") {
                t = AttrType::BS;
            } else {
                return false;
            }
            return true;
        case 4:
            if (d == "BOOL") {
                t = AttrType::BOOL;
            } else if (d == "NULL") {
                t = AttrType::NUL;
            } else {
                return false;
            }
            return true;
    }
    return false;
}

std::string_view GetString(simdjson::dom::element e, const PathNode *path, const char *what) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) {
        Fail(path, std::string(what) + " needs a JSON string, got " + JsonTypeName(e));
    }
    return s;
}

void CheckNumber(std::string_view s, const PathNode *path, const char *what) {
    if (!IsDecimalNumber(s)) {
        Fail(path, std::string(what) + " needs a decimal number text, got " + Quote(s));
    }
}

void DecodeBinary(std::string_view s, const PathNode *path, const char *what, std::string &out) {
    if (!Base64Decode(s, out)) {
        Fail(path, std::string(what) + " needs base64 text, got " + Quote(s));
    }
}

simdjson::dom::array GetArray(simdjson::dom::element e, const PathNode *path, const char *what) {
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) {
        Fail(path, std::string(what) + " needs a JSON array, got " + JsonTypeName(e));
    }
    return a;
}

void ParseValue(simdjson::dom::element e, const PathNode *path, AttributeValue &out);

// Sets a reused name to `key`. Items of a page mostly repeat the names of the item parsed before
// into the same storage, and comparing is cheaper than copying.
inline void AssignKey(std::string &name, std::string_view key) {
    if (name != key)
        name.assign(key.data(), key.size());
}

void ParseSet(simdjson::dom::element e, const PathNode *path, AttrType type, AttributeValue &out) {
    const char *what = AttrTypeName(type);
    simdjson::dom::array a = GetArray(e, path, what);
    size_t n = 0;
    for (simdjson::dom::element elem : a) {
        PathNode node{path, {}, n, true};
        std::string_view s = GetString(elem, &node, "set element");
        if (n == out.set.size())
            out.set.emplace_back();
        std::string &member = out.set[n++];
        if (type == AttrType::BS) {
            DecodeBinary(s, &node, "set element", member);
        } else {
            if (type == AttrType::NS) {
                CheckNumber(s, &node, "set element");
            }
            member.assign(s);
        }
    }
    out.set.resize(n);
}

void ParseValue(simdjson::dom::element e, const PathNode *path, AttributeValue &out) {
    simdjson::dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
        Fail(path,
             std::string("expected an object with one type descriptor, got ") + JsonTypeName(e));
    }
    simdjson::dom::object::iterator it = obj.begin();
    if (it == obj.end()) {
        Fail(path, "empty object, expected one type descriptor");
    }
    std::string_view descriptor = it.key();
    simdjson::dom::element inner = it.value();
    ++it;
    if (it != obj.end()) {
        Fail(path,
             "more than one type descriptor (" + Quote(descriptor) + ", " + Quote(it.key()) + ")");
    }
    AttrType type;
    if (!DescriptorType(descriptor, type)) {
        Fail(path, "unknown type descriptor " + Quote(descriptor));
    }
    // `out` may hold an earlier value whose storage is reused: every member the new type does
    // not use is emptied, and lists, maps and sets are overwritten element by element.
    out.type = type;
    out.boolean = false;
    if (type != AttrType::S && type != AttrType::N && type != AttrType::B)
        out.str.clear();
    if (type != AttrType::L)
        out.list.clear();
    if (type != AttrType::M)
        out.map.clear();
    if (type != AttrType::SS && type != AttrType::NS && type != AttrType::BS)
        out.set.clear();
    const char *what = AttrTypeName(type);
    switch (type) {
        case AttrType::S:
            out.str.assign(GetString(inner, path, what));
            break;
        case AttrType::N: {
            std::string_view s = GetString(inner, path, what);
            CheckNumber(s, path, what);
            out.str.assign(s);
            break;
        }
        case AttrType::B:
            DecodeBinary(GetString(inner, path, what), path, what, out.str);
            break;
        case AttrType::BOOL:
            if (inner.get_bool().get(out.boolean) != simdjson::SUCCESS) {
                Fail(path, std::string("BOOL needs true or false, got ") + JsonTypeName(inner));
            }
            break;
        case AttrType::NUL: {
            bool flag = false;
            if (inner.get_bool().get(flag) != simdjson::SUCCESS || !flag) {
                Fail(path, "NULL needs the value true");
            }
            break;
        }
        case AttrType::L: {
            simdjson::dom::array a = GetArray(inner, path, what);
            size_t n = 0;
            for (simdjson::dom::element elem : a) {
                PathNode node{path, {}, n, true};
                if (n == out.list.size())
                    out.list.emplace_back();
                ParseValue(elem, &node, out.list[n++]);
            }
            out.list.resize(n);
            break;
        }
        case AttrType::M: {
            simdjson::dom::object m;
            if (inner.get_object().get(m) != simdjson::SUCCESS) {
                Fail(path, std::string("M needs a JSON object, got ") + JsonTypeName(inner));
            }
            size_t n = 0;
            for (simdjson::dom::key_value_pair field : m) {
                PathNode node{path, field.key, 0, false};
                if (n == out.map.size())
                    out.map.emplace_back();
                auto &entry = out.map[n++];
                AssignKey(entry.first, field.key);
                ParseValue(field.value, &node, entry.second);
            }
            out.map.resize(n);
            break;
        }
        case AttrType::SS:
        case AttrType::NS:
        case AttrType::BS:
            ParseSet(inner, path, type, out);
            SortSet(type, out.set);
            break;
    }
}

}  // namespace

int CompareSetMembers(AttrType type, std::string_view a, std::string_view b) {
    if (type == AttrType::NS)
        return CompareDecimal(a, b);
    // Byte order (char_traits<char> compares as unsigned char), as DynamoDB orders strings and
    // binary values.
    int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

void SortSet(AttrType type, std::vector<std::string> &members) {
    if (InSetOrder(type, members))
        return;
    std::sort(members.begin(), members.end(), [type](const std::string &a, const std::string &b) {
        int c = CompareSetMembers(type, a, b);
        return c != 0 ? c < 0 : a < b;
    });
}

bool InSetOrder(AttrType type, const std::vector<std::string> &members) {
    for (size_t i = 1; i < members.size(); ++i)
        if (CompareSetMembers(type, members[i - 1], members[i]) >= 0)
            return false;
    return true;
}

AttributeValue ParseAttributeValue(simdjson::dom::element e) {
    AttributeValue v;
    ParseValue(e, nullptr, v);
    return v;
}

Item ParseItem(simdjson::dom::object o) {
    Item item;
    item.reserve(o.size());
    for (simdjson::dom::key_value_pair field : o) {
        PathNode node{nullptr, field.key, 0, false};
        item.emplace_back(std::piecewise_construct, std::forward_as_tuple(field.key),
                          std::forward_as_tuple());
        ParseValue(field.value, &node, item.back().second);
    }
    return item;
}

void ParseItemInto(simdjson::dom::object o, Item &item) {
    size_t n = 0;
    for (simdjson::dom::key_value_pair field : o) {
        PathNode node{nullptr, field.key, 0, false};
        if (n == item.size())
            item.emplace_back();
        auto &entry = item[n++];
        AssignKey(entry.first, field.key);
        ParseValue(field.value, &node, entry.second);
    }
    item.resize(n);
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Scratch space for base64 text and normalized numbers; each use is finished before the next.
std::string &Scratch() {
    thread_local std::string scratch;
    return scratch;
}

void PutString(JsonWriter &w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void PutKey(JsonWriter &w, std::string_view s) {
    w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void PutBase64(JsonWriter &w, std::string_view bytes) {
    std::string &scratch = Scratch();
    scratch.clear();
    Base64EncodeAppend(bytes, scratch);
    PutString(w, scratch);
}

// The JSON spelling of a decimal number text: the text itself when it already is valid JSON,
// otherwise an equivalent spelling built in `scratch`. Empty when the text is not a number.
std::string_view JsonNumberText(std::string_view text, std::string &scratch) {
    DecimalText d;
    if (!ScanDecimal(text, d)) {
        return {};
    }
    bool plus_sign = d.has_sign && !d.negative;
    bool leading_zero = d.int_digits.size() > 1 && d.int_digits[0] == '0';
    bool bare_point = d.has_point && d.frac_digits.empty();
    if (!plus_sign && !d.int_digits.empty() && !leading_zero && !bare_point) {
        return text;
    }
    scratch.clear();
    if (d.negative) {
        scratch += '-';
    }
    std::string_view digits = d.int_digits;
    size_t nonzero = digits.find_first_not_of('0');
    digits = nonzero == std::string_view::npos ? std::string_view("0") : digits.substr(nonzero);
    scratch.append(digits.data(), digits.size());
    if (!d.frac_digits.empty()) {
        scratch += '.';
        scratch.append(d.frac_digits.data(), d.frac_digits.size());
    }
    if (!d.exp_text.empty()) {
        scratch += 'e';
        scratch.append(d.exp_text.data(), d.exp_text.size());
    }
    return scratch;
}

void PutPlainNumber(JsonWriter &w, std::string_view text) {
    std::string_view json = JsonNumberText(text, Scratch());
    if (json.empty()) {
        PutString(w, text);
    } else {
        w.RawValue(json.data(), json.size(), rapidjson::kNumberType);
    }
}

// Writes `v` as DynamoDB's typed JSON ({"S": "x"}, numbers as strings, NULL as true) when
// `typed`, otherwise as plain JSON (numbers as JSON numbers where the text allows, NULL as null).
void WriteValue(JsonWriter &w, const AttributeValue &v, bool typed) {
    auto number = [&](const std::string &text) {
        if (typed) {
            PutString(w, text);
        } else {
            PutPlainNumber(w, text);
        }
    };
    if (typed) {
        w.StartObject();
        PutKey(w, AttrTypeName(v.type));
    }
    switch (v.type) {
        case AttrType::S:
            PutString(w, v.str);
            break;
        case AttrType::N:
            number(v.str);
            break;
        case AttrType::B:
            PutBase64(w, v.str);
            break;
        case AttrType::BOOL:
            w.Bool(v.boolean);
            break;
        case AttrType::NUL:
            if (typed) {
                w.Bool(true);
            } else {
                w.Null();
            }
            break;
        case AttrType::L:
            w.StartArray();
            for (const AttributeValue &e : v.list) {
                WriteValue(w, e, typed);
            }
            w.EndArray();
            break;
        case AttrType::M:
            w.StartObject();
            for (const auto &entry : v.map) {
                PutKey(w, entry.first);
                WriteValue(w, entry.second, typed);
            }
            w.EndObject();
            break;
        case AttrType::SS:
        case AttrType::NS:
        case AttrType::BS:
            w.StartArray();
            for (const std::string &s : v.set) {
                if (v.type == AttrType::SS) {
                    PutString(w, s);
                } else if (v.type == AttrType::NS) {
                    number(s);
                } else {
                    PutBase64(w, s);
                }
            }
            w.EndArray();
            break;
    }
    if (typed) {
        w.EndObject();
    }
}

void WriteTyped(JsonWriter &w, const AttributeValue &v) {
    WriteValue(w, v, true);
}

void WritePlain(JsonWriter &w, const AttributeValue &v) {
    WriteValue(w, v, false);
}

// A per-thread buffer and writer reused across calls, so writing a row allocates nothing once
// the buffer has grown to the row size. A nested call (from a `keep` callback) gets its own.
struct PlainWriterState {
    rapidjson::StringBuffer buffer;
    JsonWriter writer{buffer};
    bool busy = false;
};

PlainWriterState &SharedPlainWriter() {
    thread_local PlainWriterState state;
    return state;
}

// Buffers that grew beyond this are released after use instead of being kept for the thread.
constexpr size_t kRetainedBufferLimit = size_t{4} << 20;

template <typename Fn>
void WritePlainTo(std::string &out, Fn &&write) {
    PlainWriterState &shared = SharedPlainWriter();
    if (shared.busy) {
        rapidjson::StringBuffer buffer;
        JsonWriter writer(buffer);
        write(writer);
        out.append(buffer.GetString(), buffer.GetSize());
        return;
    }
    struct Release {
        PlainWriterState &state;
        ~Release() {
            state.busy = false;
            if (state.buffer.GetSize() > kRetainedBufferLimit) {
                state.buffer.Clear();
                state.buffer.ShrinkToFit();
            }
        }
    } release{shared};
    shared.busy = true;
    shared.buffer.Clear();
    shared.writer.Reset(shared.buffer);
    write(shared.writer);
    out.append(shared.buffer.GetString(), shared.buffer.GetSize());
}

}  // namespace

void WriteAttributeValue(rapidjson::Writer<rapidjson::StringBuffer> &w, const AttributeValue &v) {
    WriteTyped(w, v);
}

namespace {

// "key": {placeholder: value, ...} when `entries` has any, each value written by `put`.
template <class Value, class Put>
void WritePlaceholderMap(JsonWriter &w, const char *key,
                         const std::vector<std::pair<std::string, Value>> &entries, Put put) {
    if (entries.empty()) {
        return;
    }
    w.Key(key);
    w.StartObject();
    for (const auto &e : entries) {
        PutKey(w, e.first);
        put(w, e.second);
    }
    w.EndObject();
}

}  // namespace

void WriteExpressionNames(rapidjson::Writer<rapidjson::StringBuffer> &w,
                          const std::vector<std::pair<std::string, std::string>> &names) {
    WritePlaceholderMap(w, "ExpressionAttributeNames", names,
                        [](JsonWriter &out, const std::string &name) { PutString(out, name); });
}

void WriteExpressionValues(rapidjson::Writer<rapidjson::StringBuffer> &w,
                           const std::vector<std::pair<std::string, AttributeValue>> &values) {
    WritePlaceholderMap(w, "ExpressionAttributeValues", values, WriteTyped);
}

void WriteItem(rapidjson::Writer<rapidjson::StringBuffer> &w, const Item &item) {
    w.StartObject();
    for (const auto &entry : item) {
        PutKey(w, entry.first);
        WriteTyped(w, entry.second);
    }
    w.EndObject();
}

void AppendPlainJson(std::string &out, const AttributeValue &v) {
    WritePlainTo(out, [&v](JsonWriter &w) { WritePlain(w, v); });
}

std::string_view PlainJsonNumber(std::string_view text, std::string &scratch) {
    return JsonNumberText(text, scratch);
}

std::string ToPlainJson(const AttributeValue &v) {
    std::string out;
    AppendPlainJson(out, v);
    return out;
}

void AppendItemPlainJson(std::string &out, const Item &item,
                         const std::function<bool(const std::string &)> &keep) {
    WritePlainTo(out, [&](JsonWriter &w) {
        w.StartObject();
        for (const auto &entry : item) {
            if (keep && !keep(entry.first)) {
                continue;
            }
            PutKey(w, entry.first);
            WritePlain(w, entry.second);
        }
        w.EndObject();
    });
}

std::string ItemToPlainJson(const Item &item,
                            const std::function<bool(const std::string &)> &keep) {
    std::string out;
    AppendItemPlainJson(out, item, keep);
    return out;
}

}  // namespace dynamo

namespace dynamo {
namespace {

// Builds an AttributeValue tree from RapidJSON's SAX events.
class PlainJsonBuilder {
  public:
    AttributeValue result;

    bool Null() { return Put(AttributeValue::Null()); }
    bool Bool(bool b) { return Put(AttributeValue::Bool(b)); }
    // Numbers arrive as text (kParseNumbersAsStringsFlag); these are never called.
    bool Int(int) { return false; }
    bool Uint(unsigned) { return false; }
    bool Int64(int64_t) { return false; }
    bool Uint64(uint64_t) { return false; }
    bool Double(double) { return false; }
    bool RawNumber(const char *str, rapidjson::SizeType len, bool) {
        return Put(AttributeValue::Number(std::string(str, len)));
    }
    bool String(const char *str, rapidjson::SizeType len, bool) {
        return Put(AttributeValue::String(std::string(str, len)));
    }
    bool StartObject() {
        AttributeValue v;
        v.type = AttrType::M;
        stack_.push_back(std::move(v));
        keys_.emplace_back();
        return true;
    }
    bool Key(const char *str, rapidjson::SizeType len, bool) {
        keys_.back().assign(str, len);
        return true;
    }
    bool EndObject(rapidjson::SizeType) {
        keys_.pop_back();
        return Finish();
    }
    bool StartArray() {
        AttributeValue v;
        v.type = AttrType::L;
        stack_.push_back(std::move(v));
        keys_.emplace_back();
        return true;
    }
    bool EndArray(rapidjson::SizeType) {
        keys_.pop_back();
        return Finish();
    }

  private:
    bool Finish() {
        AttributeValue done = std::move(stack_.back());
        stack_.pop_back();
        return Put(std::move(done));
    }
    bool Put(AttributeValue v) {
        if (stack_.empty()) {
            result = std::move(v);
        } else if (stack_.back().type == AttrType::M) {
            stack_.back().map.emplace_back(keys_.back(), std::move(v));
        } else {
            stack_.back().list.push_back(std::move(v));
        }
        return true;
    }
    std::vector<AttributeValue> stack_;
    std::vector<std::string> keys_;
};

}  // namespace

AttributeValue FromPlainJson(std::string_view json) {
    PlainJsonBuilder builder;
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(json.data(), json.size());
    rapidjson::ParseResult ok =
        reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag>(
            ms, builder);
    if (!ok)
        throw JsonError("invalid JSON at offset " + std::to_string(ok.Offset()));
    return std::move(builder.result);
}

}  // namespace dynamo
