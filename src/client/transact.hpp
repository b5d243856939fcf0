// Writes kept for a transaction and sent at COMMIT as one TransactWriteItems (or as the plain
// single-item request when the transaction wrote one item): the actions, the limits DynamoDB
// sets on a transaction, the kept writes per subtransaction level, the request body and the
// cancellation reasons of a refused transaction. Pure C++; the fdw layer (src/fdw/xact.cpp)
// decides what is kept and when it is sent.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstddef>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"

namespace dynamo {

// DynamoDB's limits on one TransactWriteItems: actions (one per item), and the total size of
// the items it writes.
constexpr size_t kTransactActionLimit = 100;
constexpr size_t kTransactSizeLimit = 4 * 1024 * 1024;

enum class TransactKind { Put, Update, Delete, ConditionCheck };

// One action of a TransactWriteItems: request.item is the whole item (Put) or the key; the
// expressions and placeholders are those of the single-item request it stands for.
struct TransactAction {
    TransactKind kind = TransactKind::Put;
    WriteRequest request;
};

// "PutItem", "UpdateItem", "DeleteItem" (ConditionCheck has no single-item request: "").
const char *SingleOperation(TransactKind kind);
// The kind of action a single-item operation's request becomes; false for another operation.
bool KindOfOperation(const std::string &operation, TransactKind &kind);

// The identity of an item's key within its table (equal keys, equal identities; a number key
// by its value, so 1.0 and 1 are one item). `item` holds at least the key attributes; empty
// when it lacks one.
std::string KeyIdentity(const TableDescription &desc, const Item &item);
// The identity of a partition key value alone, comparable to PartitionIdentity of a kept item.
std::string PartitionIdentity(const AttributeValue &value);
// The key attributes of `item`.
Item KeyOf(const TableDescription &desc, const Item &item);

// The size an action adds to the transaction (DynamoDB counts the items written and the values
// of the expressions).
size_t ActionSize(const TransactAction &action);

// The body of a TransactWriteItems request.
std::string TransactWriteItemsBody(const std::vector<TransactAction> &actions,
                                   const std::string &client_request_token);

// The cancellation reasons of a TransactionCanceledException, one per action in order
// ("None" for an action that was not the cause), read from DynamoDB's message ("... reasons
// [None, ConditionalCheckFailed]"). Empty when the message lists none.
std::vector<std::string> CancellationReasons(const std::string &message);

// A ClientRequestToken: 36 characters, new for each COMMIT (a retried request carries the same
// token, so that DynamoDB applies it once).
std::string NewClientRequestToken();

// The item as a kept write leaves it: `item` is what DynamoDB holds (`exists` false when it has
// none) and becomes what the transaction will have written. Put: its item; Delete: none; Update:
// its SETs and REMOVEs applied to the item (none stays none).
void ApplyKept(TransactKind kind, const Item &put_item, const UpdateSpec &spec, Item &item,
               bool &exists);

// The condition under which an Update keeps its meaning: the item exists (`key_name`) and holds
// what was expected, and the WHERE clause's conditions hold.
Condition UpdateCondition(const UpdateSpec &spec, const std::string &key_name);

// The writes of one transaction, one current write per item (a second write of an item is merged
// into the first), each at the subtransaction level that made it.
class KeptWrites {
  public:
    struct Entry {
        int level = 1;
        std::string table;
        std::string key_id;        // KeyIdentity
        std::string partition_id;  // PartitionIdentity of the partition key
        std::string key_text;      // the key as error messages show it
        std::string relname;       // the foreign table that wrote it
        TransactAction action;     // as it is sent
        UpdateSpec spec;        // Update: SET, REMOVE, expected values, WHERE conditions; Delete:
                                // the expected values
        std::string hash_name;  // the table's partition key attribute
        size_t size = 0;
    };
    enum class Outcome {
        Kept,
        TooMany,      // more than kTransactActionLimit items
        TooLarge,     // more than kTransactSizeLimit bytes
        Unmergeable,  // an update of an item the transaction deleted
    };

    // Keeps the write (level, table, key_id, action, spec and texts set; size is computed),
    // merged with the item's current write when there is one (see Merge), unless that would
    // cross a limit. A write at a deeper level than the item's current one leaves that in
    // place, for ROLLBACK TO SAVEPOINT to return to.
    Outcome Keep(Entry entry);
    // ROLLBACK (TO SAVEPOINT) of subtransaction `level`: its writes and its children's go.
    void AbortLevel(int level);
    // RELEASE (or the end) of subtransaction `level`: its writes become its parent's.
    void CommitLevel(int level);
    void Clear();

    bool empty() const { return entries_.empty(); }
    // Items written.
    size_t size() const { return Current().size(); }
    size_t bytes() const;
    // The current write of each item, in the order the items were first written.
    std::vector<const Entry *> Current() const;
    // The current write of the item, or null.
    const Entry *Find(const std::string &table, const std::string &key_id) const;
    // Whether a kept write touches the table, the item, or the partition.
    bool TouchesTable(const std::string &table) const;
    bool HasItem(const std::string &table, const std::string &key_id) const;
    bool HasPartition(const std::string &table, const std::string &partition_id) const;

    // The write that stands for `first` followed by `then` on one item; false for an update of
    // a deleted item. `then` was computed from the item as `first` left it: what it expected of
    // attributes `first` wrote holds by construction, what it expected of the others (read
    // from DynamoDB) is kept, with `first`'s condition (on the item as DynamoDB holds it).
    static bool Merge(const Entry &first, const Entry &then, Entry &out);

  private:
    std::vector<Entry> entries_;
};

}  // namespace dynamo
