// Runs a planned read (Scan, Query, several Queries, GetItem, BatchGetItem) page by page.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

struct ReadPlan {
    enum class Kind { Scan, Query, GetItem, BatchGetItem };
    Kind kind = Kind::Scan;
    // Everything a Scan or Query sends; GetItem and BatchGetItem use its table, projection,
    // names and consistent_read.
    ReadRequest request;
    // Query: when more than one partition key value is given, one Query runs per value (each
    // to its last page), with the value placeholder `partition_placeholder` of request.values
    // set to each value in turn. Values must be distinct.
    std::string partition_placeholder;
    std::vector<AttributeValue> partition_values;
    // GetItem: one full key; BatchGetItem: distinct full keys, any number (sent 100 at a time).
    std::vector<Item> keys;
};

class ReadCursor {
  public:
    ReadCursor(DynamoClient *client, ReadPlan plan);

    // Fetches the next page into `page` (replacing its items). `done` becomes true when no
    // request is left to make; the page of that call may still hold items.
    Error Next(Page &page, bool &done, AbortFn abort);
    // Starts over from the first request.
    void Rewind();

    const ReadPlan &plan() const { return plan_; }
    int64_t requests() const { return requests_; }
    int64_t scanned() const { return scanned_; }
    double consumed() const { return consumed_; }

  private:
    DynamoClient *client_;
    ReadPlan plan_;
    size_t next_value_ = 0;  // Query: index of the partition value in progress
    size_t next_key_ = 0;    // GetItem/BatchGetItem: first key not yet requested
    Item start_key_;         // ExclusiveStartKey of the next Scan/Query page
    bool finished_ = false;
    int64_t requests_ = 0;
    int64_t scanned_ = 0;
    double consumed_ = 0;
};

}  // namespace dynamo
