// Typed columns from a sample of a table's items, for IMPORT FOREIGN SCHEMA with the option
// sample_size: which attributes hold one DynamoDB type in every sampled item that has them.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

struct SampledAttribute {
    std::string name;
    AttrType type;
    bool whole = true;  // N: every value a whole number within bigint's range
    int64_t items = 0;  // sampled items holding it (the NULL type included)
};

class AttributeSampler {
  public:
    void Add(const Item &item);
    // The attributes holding one type (the NULL type aside) wherever they appear, by name.
    std::vector<SampledAttribute> Consistent() const;
    int64_t items() const { return items_; }
    // Attributes seen with more than one type.
    int64_t mixed() const;

  private:
    struct Seen {
        uint32_t types = 0;  // bit per AttrType
        bool whole = true;
        int64_t items = 0;
    };
    std::map<std::string, Seen> seen_;
    int64_t items_ = 0;
};

// Scans up to `limit` items of `table` (as few pages as that takes) into `out`.
Error SampleTable(DynamoClient *client, const std::string &table, int64_t limit,
                  AttributeSampler &out, AbortFn abort);

}  // namespace dynamo
