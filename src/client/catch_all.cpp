// Writing the catch-all column (see catch_all.hpp). Pure C++.
#include "client/catch_all.hpp"

namespace dynamo {

CatchAllProblem CheckCatchAllMembers(const AttributeValue &value,
                                     const std::function<bool(const std::string &)> &is_column,
                                     const Item *item, std::string &member) {
    if (value.type != AttrType::M)
        return CatchAllProblem::NotObject;
    for (const auto &m : value.map) {
        CatchAllProblem problem = CatchAllProblem::None;
        if (is_column(m.first))
            problem = CatchAllProblem::ColumnToo;
        else if (item != nullptr && FindAttribute(*item, m.first) != nullptr)
            problem = CatchAllProblem::Twice;
        if (problem != CatchAllProblem::None) {
            member = m.first;
            return problem;
        }
    }
    return CatchAllProblem::None;
}

void CatchAllChanges(const AttributeValue &before, const AttributeValue &now, Item &set,
                     std::vector<std::string> &remove) {
    static const Item none;
    const Item &after_members = now.type == AttrType::M ? now.map : none;
    const Item &before_members = before.type == AttrType::M ? before.map : none;
    for (const auto &m : after_members) {
        const AttributeValue *prev = nullptr;
        for (const auto &b : before_members)
            if (b.first == m.first)
                prev = &b.second;
        if (prev == nullptr || *prev != m.second)
            set.push_back(m);
    }
    for (const auto &b : before_members) {
        bool kept = false;
        for (const auto &m : after_members)
            kept = kept || m.first == b.first;
        if (!kept)
            remove.push_back(b.first);
    }
}

}  // namespace dynamo
