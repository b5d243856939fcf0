// Writing the catch-all column (a jsonb column whose members are the item's attributes that no
// declared column names): which members a value may hold, and what an UPDATE of it sets and
// removes. Pure C++; the fdw layer converts between jsonb and these values (modify_state.cpp,
// modify_exec.cpp).
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <functional>
#include <string>
#include <vector>

#include "client/attribute_value.hpp"

namespace dynamo {

enum class CatchAllProblem {
    None,
    NotObject,  // the value is not a map
    ColumnToo,  // a member is named like a declared column
    Twice,      // a member is an attribute the item already holds
};

// Checks the catch-all column's value: a map, none of whose members is_column(name) names or
// `item` (when not null) holds already. On a problem with a member, `member` receives its name.
CatchAllProblem CheckCatchAllMembers(const AttributeValue &value,
                                     const std::function<bool(const std::string &)> &is_column,
                                     const Item *item, std::string &member);

// An UPDATE of the catch-all from `before` to `now` (a value that is not a map, such as SQL NULL,
// has no members): appends to `set` each member of `now` that `before` does not hold with an
// equal value, in `now`'s order, and to `remove` each member of `before` that `now` lacks, in
// `before`'s order.
void CatchAllChanges(const AttributeValue &before, const AttributeValue &now, Item &set,
                     std::vector<std::string> &remove);

}  // namespace dynamo
