// Fitting a value to a key attribute's type: a key attribute of a DynamoDB table or index has one
// type, S, N or B, and a column may hold it in another Postgres type (a text column the digits of
// an N key or the base64 of a B key). Part of the client layer: plain C++, never includes
// postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include "attribute_value.hpp"

namespace dynamo {

// What CoerceToKeyType made of a value.
enum class KeyCoercion {
    Ok,         // the value is now of the key's type
    NotNumber,  // a string for an N key that is not a number DynamoDB can store
    NotBase64,  // a string for a B key that is not base64
    WrongType,  // a type that no key of this type is written from (left as it was)
    Empty,      // an empty string or binary, which DynamoDB never takes as a key value
};

// Makes `v`, a value converted from a column, a value of `key_type` (S, N or B) where it holds
// one: a number becomes an S key's string of its digits, a string an N key's number when
// DynamoDB can store it, a base64 string a B key's bytes.
KeyCoercion CoerceToKeyType(AttributeValue &v, AttrType key_type);

}  // namespace dynamo
