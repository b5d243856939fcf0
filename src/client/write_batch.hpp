// Writes collected for BatchWriteItem requests: when a batch is full, and what happens to a second
// write of a key within one batch. Pure C++; the fdw layer sends the batch (batch_writer.cpp).
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

// The writes to one table waiting for a BatchWriteItem. DynamoDB refuses a request that names a
// key twice, and separate requests would have applied the later write of a key over the earlier
// one: so a write of a key the batch already holds replaces that write in its place. The later
// write wins; the order of the keys is the order of their first writes.
class WriteBatch {
  public:
    // The table's key attributes, which identify a write.
    void SetKey(const TableDescription &desc);

    // Adds a write of `item` (the whole item for a put, the key for a delete); `item` holds the
    // full key. True when the batch then holds `limit` writes or more: it is to be sent.
    bool Add(bool is_delete, Item item, size_t limit);

    bool empty() const { return writes_.empty(); }
    size_t size() const { return writes_.size(); }
    // A batch of one write goes as PutItem or DeleteItem rather than BatchWriteItem.
    bool single() const { return writes_.size() == 1; }
    // The writes in order, for sending (BatchWriteItem leaves the unprocessed ones in it).
    std::vector<BatchWrite> &writes() { return writes_; }
    // Empties the batch (once sent).
    void Clear();

    // The keys of the first `shown` writes as plain JSON objects joined by ", ", followed by
    // ", ..." when there are more: for a message naming the writes that were not made.
    std::string KeysText(size_t shown) const;
    // A text that is equal for two items exactly when DynamoDB finds their keys equal (numbers
    // by value: 1, 1.0 and 10E-1 are one key; a string "1" is another).
    std::string KeyId(const Item &item) const;

  private:
    std::string hash_;
    bool has_range_ = false;
    std::string range_;
    std::vector<BatchWrite> writes_;
    std::map<std::string, size_t> index_;  // KeyId -> position in writes_
};

}  // namespace dynamo
