#include "key_coercion.hpp"

#include <string>

#include "json_codec.hpp"
#include "number_text.hpp"

namespace dynamo {

namespace {

KeyCoercion ToType(AttributeValue &v, AttrType key_type) {
    switch (key_type) {
        case AttrType::S:
            if (v.type == AttrType::N)
                v.type = AttrType::S;
            return v.type == AttrType::S ? KeyCoercion::Ok : KeyCoercion::WrongType;
        case AttrType::N:
            if (v.type == AttrType::S) {
                std::string why;
                if (!CheckDynamoNumber(v.str, why))
                    return KeyCoercion::NotNumber;
                v.type = AttrType::N;
            }
            return v.type == AttrType::N ? KeyCoercion::Ok : KeyCoercion::WrongType;
        default:
            if (v.type == AttrType::S) {
                std::string bytes;
                if (!Base64Decode(v.str, bytes))
                    return KeyCoercion::NotBase64;
                v.type = AttrType::B;
                v.str.swap(bytes);
            }
            return v.type == AttrType::B ? KeyCoercion::Ok : KeyCoercion::WrongType;
    }
}

}  // namespace

KeyCoercion CoerceToKeyType(AttributeValue &v, AttrType key_type) {
    KeyCoercion result = ToType(v, key_type);
    if (result == KeyCoercion::Ok && (v.type == AttrType::S || v.type == AttrType::B) &&
        v.str.empty())
        return KeyCoercion::Empty;
    return result;
}

}  // namespace dynamo
