#include "client/read_cursor.hpp"

#include <utility>

namespace dynamo {

namespace {
constexpr size_t kBatchGetKeys = 100;  // DynamoDB's limit per BatchGetItem request
}

ReadCursor::ReadCursor(DynamoClient *client, ReadPlan plan)
    : client_(client), plan_(std::move(plan)) {}

void ReadCursor::Rewind() {
    next_value_ = 0;
    next_key_ = 0;
    start_key_.clear();
    finished_ = false;
}

Error ReadCursor::Next(Page &page, bool &done, AbortFn abort) {
    page.items.clear();
    page.last_evaluated_key.clear();
    page.count = page.scanned_count = 0;
    page.consumed_capacity = 0;
    if (finished_) {
        done = true;
        return Error{};
    }
    Error err;
    switch (plan_.kind) {
        case ReadPlan::Kind::Scan:
        case ReadPlan::Kind::Query: {
            bool multi = plan_.kind == ReadPlan::Kind::Query && !plan_.partition_values.empty();
            if (multi) {
                for (auto &v : plan_.request.values)
                    if (v.first == plan_.partition_placeholder)
                        v.second = plan_.partition_values[next_value_];
            }
            err = client_->Read(plan_.request, start_key_, page, abort);
            if (!err.ok())
                break;
            requests_++;
            start_key_ = page.last_evaluated_key;
            if (start_key_.empty()) {
                if (multi && next_value_ + 1 < plan_.partition_values.size())
                    next_value_++;
                else
                    finished_ = true;
            }
            break;
        }
        case ReadPlan::Kind::GetItem: {
            bool found = false;
            Item item;
            err = client_->GetItem(plan_.request, plan_.keys.at(0), found, item, abort);
            if (!err.ok())
                break;
            requests_++;
            page.consumed_capacity = client_->last_consumed();
            if (found)
                page.items.push_back(std::move(item));
            page.count = page.scanned_count = static_cast<int64_t>(page.items.size());
            finished_ = true;
            break;
        }
        case ReadPlan::Kind::BatchGetItem: {
            size_t end = std::min(plan_.keys.size(), next_key_ + kBatchGetKeys);
            std::vector<Item> chunk(plan_.keys.begin() + static_cast<long>(next_key_),
                                    plan_.keys.begin() + static_cast<long>(end));
            if (!chunk.empty()) {
                err = client_->BatchGetItem(plan_.request, chunk, page, abort);
                if (!err.ok())
                    break;
                requests_++;
            }
            next_key_ = end;
            finished_ = next_key_ >= plan_.keys.size();
            break;
        }
    }
    if (!err.ok())
        return err;
    scanned_ += page.scanned_count;
    consumed_ += page.consumed_capacity;
    done = finished_;
    return Error{};
}

}  // namespace dynamo
