// What a Scan or Query shows of a transaction's kept writes (dynamodb.atomic_commit; the fdw
// layer keeps them, src/fdw/xact.cpp). The view is taken when the read starts, so that writes the
// same statement makes later stay unseen, as in Postgres. The items the transaction wrote are
// left out of DynamoDB's answer and come from the view instead, as the kept writes leave them;
// the caller checks each of those against the read's conditions, since DynamoDB evaluated only
// its own version. For a Query the view hands its items out in the Query's sort key order,
// merged into DynamoDB's ordered answer. Pure C++.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <string>
#include <unordered_set>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

// DynamoDB's order of two key values of one type: S and B by bytes, N by value. A value of
// another type (or of another type than the other) sorts after every key value.
int CompareKeyValues(const AttributeValue &a, const AttributeValue &b);

class KeptReadView {
  public:
    // `written`: the key identities (KeyIdentity) of every item of the table the transaction
    // wrote; `items`: those that exist once the kept writes are applied, whole.
    void Reset(std::vector<std::string> written, std::vector<Item> items);
    // Hands the items out in the order a Query reads them by `sort_key` (forward or backward);
    // an item without the attribute comes last. An empty name: at the end, in any order.
    void OrderBy(const std::string &sort_key, bool forward);
    // Removes from a page of DynamoDB's answer the items the transaction wrote.
    void DropWritten(const TableDescription &desc, std::vector<Item> &items) const;
    // The next item of the view to hand out before `next`, DynamoDB's next item (null once
    // DynamoDB's answer is over); null when `next` comes first or the view is used up.
    const Item *Before(const Item *next);
    // A rescan hands the items out again.
    void Rewind() { pos_ = 0; }

    bool empty() const { return written_.empty(); }
    size_t written() const { return written_.size(); }

  private:
    std::unordered_set<std::string> written_;
    std::vector<Item> items_;
    std::string sort_key_;
    bool forward_ = true;
    size_t pos_ = 0;
};

}  // namespace dynamo
