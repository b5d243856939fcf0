// Unit tests for src/client/write_pipeline: writes kept in flight, the order of writes to one key,
// UnprocessedItems rounds and the failure that names the keys not written, refused conditions,
// the table's shared backoff after a throttle or unprocessed items, and a cancel. Run against
// the scripted in-process server.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "client/dynamodb_client.hpp"
#include "client/write_pipeline.hpp"
#include "test_http_server.hpp"
#include "test_support.hpp"

namespace {

using dynamo::AttributeValue;
using dynamo::BatchWrite;
using dynamo::DynamoClient;
using dynamo::ErrorKind;
using dynamo::Item;
using dynamo::TableDescription;
using dynamo::WritePipeline;
using dynamo::WriteRequest;
using testserver::RecordedRequest;
using testserver::ScriptedResponse;
using testserver::TestHttpServer;

TableDescription Desc() {
    TableDescription d;
    d.name = "t";
    d.hash.name = "pk";
    d.hash.type = dynamo::AttrType::S;
    return d;
}

Item Key(const std::string &pk) {
    return Item{{"pk", AttributeValue::String(pk)}};
}

std::vector<BatchWrite> Puts(const std::vector<std::string> &keys) {
    std::vector<BatchWrite> writes;
    for (const std::string &k : keys) {
        BatchWrite w;
        w.item = Key(k);
        writes.push_back(std::move(w));
    }
    return writes;
}

class WritePipelineTest : public ::testing::Test {
  protected:
    // The first BatchWriteItem answer leaves item "b" unprocessed; later ones process everything.
    void AnswerBUnprocessedOnce() {
        server_.SetHandler([this](const RecordedRequest &) {
            if (answers_++ == 0)
                return ScriptedResponse::Reply(
                    200,
                    R"J({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}})J");
            return ScriptedResponse::Reply(200, R"J({"UnprocessedItems":{}})J");
        });
    }

    TestHttpServer server_;
    std::atomic<int> answers_{0};
};

TEST_F(WritePipelineTest, KeepsUpToTheLimitInFlightAndWritesEverything) {
    server_.SetHandler([](const RecordedRequest &) {
        return ScriptedResponse::Delayed(50, 200, R"J({"UnprocessedItems":{}})J");
    });
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 4);
    for (int b = 0; b < 8; b++)
        ASSERT_TRUE(
            p.SubmitBatch(Puts({"a" + std::to_string(b), "b" + std::to_string(b)}), nullptr));
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_EQ(p.written(), 16);
    EXPECT_EQ(p.unwritten(), 0);
    EXPECT_EQ(p.most_in_flight(), 4);
    EXPECT_EQ(p.in_flight(), 0);
    EXPECT_EQ(server_.requests(), 8);
}

TEST_F(WritePipelineTest, AWriteWaitsForAnEarlierWriteOfItsKey) {
    server_.SetHandler(
        [](const RecordedRequest &) { return ScriptedResponse::Delayed(30, 200, "{}"); });
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 8);
    ASSERT_TRUE(p.SubmitBatch(Puts({"a"}), nullptr));
    ASSERT_TRUE(p.SubmitBatch(Puts({"a"}), nullptr));  // waits for the first
    EXPECT_EQ(p.most_in_flight(), 1);
    ASSERT_TRUE(p.SubmitBatch(Puts({"b"}), nullptr));  // another key: goes at once
    EXPECT_EQ(p.most_in_flight(), 2);
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_EQ(p.written(), 3);
    // A batch of one is a PutItem.
    for (const auto &r : server_.recorded())
        EXPECT_EQ(r.Header("X-Amz-Target"), "DynamoDB_20120810.PutItem");
}

TEST_F(WritePipelineTest, UnprocessedItemsGoAgainThenTheFailureNamesWhatWasNotWritten) {
    // Every answer leaves the second half of the batch unprocessed.
    server_.SetHandler([](const RecordedRequest &r) {
        bool two = r.body.find(R"J("c")J") != std::string::npos;
        std::string left = two ? R"J([{"PutRequest":{"Item":{"pk":{"S":"c"}}}}])J"
                               : R"J([{"PutRequest":{"Item":{"pk":{"S":"b"}}}}])J";
        if (r.body.find(R"J("b")J") == std::string::npos && !two)
            return ScriptedResponse::Reply(200, R"J({"UnprocessedItems":{}})J");
        return ScriptedResponse::Reply(200, R"J({"UnprocessedItems":{"t":)J" + left + "}}");
    });
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 4);
    ASSERT_TRUE(p.SubmitBatch(Puts({"a", "b"}), nullptr));
    EXPECT_FALSE(p.Drain(nullptr));
    EXPECT_TRUE(p.failed());
    EXPECT_EQ(p.error().kind, ErrorKind::Budget);
    EXPECT_EQ(p.error().type, "UnprocessedItems");
    EXPECT_EQ(p.error().attempts, 3);
    EXPECT_EQ(p.written(), 1);
    EXPECT_EQ(p.unwritten(), 1);
    EXPECT_EQ(p.UnwrittenKeysText(10), R"J({"pk":"b"})J");
    EXPECT_EQ(server_.requests(), 3);
    EXPECT_EQ(client.stats().retried.at("BatchWriteItem"), 2);
    // Nothing more is sent once a write has failed; what was given counts as not written.
    EXPECT_FALSE(p.SubmitBatch(Puts({"x", "y"}), nullptr));
    EXPECT_EQ(p.unwritten(), 3);
    EXPECT_EQ(server_.requests(), 3);
}

TEST_F(WritePipelineTest, ARefusedConditionIsReportedWithItsTagAndKey) {
    server_.SetHandler([](const RecordedRequest &r) {
        if (r.body.find(R"J("no")J") != std::string::npos)
            return ScriptedResponse::Reply(
                400, testsupport::ErrorBody("ConditionalCheckFailedException", "refused"));
        return ScriptedResponse::Reply(200, "{}");
    });
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 4);
    WriteRequest r;
    r.table = "t";
    r.item = Key("yes");
    ASSERT_TRUE(p.SubmitSingle("UpdateItem", r, 1, nullptr));
    r.item = Key("no");
    ASSERT_TRUE(p.SubmitSingle("DeleteItem", r, 2, nullptr));
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_EQ(p.written(), 1);
    ASSERT_EQ(p.refused().size(), 1u);
    EXPECT_EQ(p.refused()[0].tag, 2u);
    EXPECT_EQ(p.refused()[0].key, Key("no"));
}

TEST_F(WritePipelineTest, AThrottleHoldsBackEveryWriteToTheTable) {
    server_.Enqueue(
        ScriptedResponse::Reply(400, testsupport::ErrorBody("ThrottlingException", "slow down")));
    server_.SetFallback(ScriptedResponse::Reply(200, "{}"));
    dynamo::ClientConfig config = testsupport::TestConfig(server_.url(), 3);
    config.retry.base_delay_ms = 200;
    config.retry.max_delay_ms = 400;
    DynamoClient client(config);
    auto pacer = client.PacerFor("t");
    WritePipeline p(&client, Desc(), "t", 4);
    WriteRequest r;
    r.table = "t";
    r.item = Key("a");
    ASSERT_TRUE(p.SubmitSingle("PutItem", r, 1, nullptr));
    for (int i = 0; i < 5000 && pacer->backoff().level() == 0; i++) {
        ASSERT_TRUE(p.Poll());
        testsupport::SleepMs(1);
    }
    // The throttle raised the table's backoff: a pause of 200 to 400 ms for every request.
    ASSERT_EQ(pacer->backoff().level(), 1);
    auto not_before = pacer->backoff().not_before();
    EXPECT_GT(not_before, testsupport::Clock::now());
    // Another write of the statement waits for it too: it is taken in, not sent.
    r.item = Key("b");
    ASSERT_TRUE(p.SubmitSingle("PutItem", r, 2, nullptr));
    ASSERT_TRUE(p.Poll());
    EXPECT_EQ(server_.requests(), 1);
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_GE(testsupport::Clock::now(), not_before);
    EXPECT_EQ(p.written(), 2);
    EXPECT_EQ(server_.requests(), 3);
    EXPECT_EQ(client.stats().throttled, 1);
}

TEST_F(WritePipelineTest, UnprocessedItemsRaiseTheTablesBackoff) {
    // The first answer leaves "b" unprocessed; the second round writes it.
    std::atomic<int> answers{0};
    server_.SetHandler([&answers](const RecordedRequest &r) {
        if (answers++ == 0 && r.body.find(R"J("b")J") != std::string::npos)
            return ScriptedResponse::Reply(
                200, R"J({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}})J");
        return ScriptedResponse::Reply(200, R"J({"UnprocessedItems":{}})J");
    });
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 4);
    ASSERT_TRUE(p.SubmitBatch(Puts({"a", "b"}), nullptr));
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_EQ(p.written(), 2);
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_EQ(client.stats().retried.at("BatchWriteItem"), 1);
    // One backoff for the table, which the next statement's requests respect as well.
    EXPECT_EQ(client.PacerFor("t")->backoff().level(), 1);
}

TEST_F(WritePipelineTest, UnprocessedItemsOfASingleBatchRaiseTheTablesBackoff) {
    AnswerBUnprocessedOnce();
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    std::vector<BatchWrite> writes = Puts({"a", "b"});
    ASSERT_TRUE(client.BatchWriteItem("t", writes, nullptr).ok());
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_EQ(client.PacerFor("t")->backoff().level(), 1);
}

TEST_F(WritePipelineTest, WithoutTheSharedBackoffUnprocessedItemsWaitAlone) {
    AnswerBUnprocessedOnce();
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    client.ConfigureTable("t", 0, 0, false);
    WritePipeline p(&client, Desc(), "t", 4);
    ASSERT_TRUE(p.SubmitBatch(Puts({"a", "b"}), nullptr));
    ASSERT_TRUE(p.Drain(nullptr));
    EXPECT_EQ(p.written(), 2);
    EXPECT_EQ(server_.requests(), 2);
    EXPECT_EQ(client.PacerFor("t")->backoff().level(), 0);
}

TEST_F(WritePipelineTest, ACancelStopsTheWritesInFlight) {
    server_.SetFallback(ScriptedResponse::Stalled());
    DynamoClient client(testsupport::TestConfig(server_.url(), 3));
    WritePipeline p(&client, Desc(), "t", 2);
    ASSERT_TRUE(p.SubmitBatch(Puts({"a", "b"}), nullptr));
    ASSERT_TRUE(p.SubmitBatch(Puts({"c", "d"}), nullptr));
    testsupport::AbortAfter abort(100);
    auto started = testsupport::Clock::now();
    EXPECT_FALSE(p.Drain(testsupport::AbortRequested));
    EXPECT_LT(testsupport::ElapsedMs(started), 1000);
    EXPECT_EQ(p.error().kind, ErrorKind::Aborted);
    EXPECT_EQ(p.in_flight(), 0);
}

}  // namespace
