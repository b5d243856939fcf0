#include "client/capacity.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace dynamo {
namespace {

using namespace std::chrono_literals;

struct Answer {
    PaceClock::time_point at;
    double units;
};

// Runs `segments` request sequences against a pacer on a simulated clock: each request takes
// `latency` and consumes `units`; returns every answer's time and units, until `total` units
// were consumed.
std::vector<Answer> Simulate(TablePacer &pacer, CapacityKind kind, int segments, double units,
                             PaceClock::duration latency, double total) {
    PaceClock::time_point now{};
    struct Flight {
        PaceClock::time_point done;
        double reserved;
    };
    std::vector<Answer> answers;
    std::vector<bool> busy(segments, false);
    std::vector<Flight> flights(segments);
    std::vector<PaceClock::time_point> next(segments, now);
    double consumed = 0, sent = 0;
    BackoffPolicy policy;
    while (consumed < total) {
        // The earliest event: an answer, or a segment's next try.
        PaceClock::time_point t = PaceClock::time_point::max();
        for (int i = 0; i < segments; i++)
            if (busy[i] || sent < total)
                t = std::min(t, busy[i] ? flights[i].done : std::max(next[i], now));
        now = t;
        for (int i = 0; i < segments; i++) {
            if (busy[i] && flights[i].done <= now) {
                busy[i] = false;
                pacer.Finish(kind, flights[i].reserved, TablePacer::Outcome::Done, units, true, now,
                             policy);
                answers.push_back({now, units});
                consumed += units;
                next[i] = now;
            }
        }
        for (int i = 0; i < segments; i++) {
            if (busy[i] || next[i] > now || sent >= total)
                continue;
            double reserved = 0;
            PaceClock::time_point when;
            if (pacer.TryStart(kind, now, reserved, when)) {
                busy[i] = true;
                flights[i] = {now + latency, reserved};
                sent += units;
            } else {
                next[i] = when;
            }
        }
    }
    return answers;
}

double MaxWindow(const std::vector<Answer> &answers) {
    double best = 0;
    for (size_t i = 0; i < answers.size(); i++) {
        double sum = 0;
        for (size_t j = i; j < answers.size() && answers[j].at < answers[i].at + 1s; j++)
            sum += answers[j].units;
        best = std::max(best, sum);
    }
    return best;
}

double Span(const std::vector<Answer> &answers) {
    return std::chrono::duration<double>(answers.back().at - answers.front().at).count();
}

TEST(Capacity, NoBudgetNeverWaits) {
    TablePacer pacer;
    double reserved = 1;
    PaceClock::time_point when;
    for (int i = 0; i < 100; i++)
        ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, PaceClock::time_point{}, reserved, when));
    EXPECT_EQ(reserved, 0);
    EXPECT_FALSE(pacer.limited(CapacityKind::Read));
}

TEST(Capacity, OneSequenceKeepsToTheBudget) {
    TablePacer pacer;
    pacer.SetBudget(100, 0, PaceClock::time_point{});
    auto answers = Simulate(pacer, CapacityKind::Read, 1, 20, 5ms, 500);
    // 500 units at 100 a second: about 5 seconds, never much more than 100 in one second.
    EXPECT_GE(Span(answers), 4.0);
    EXPECT_LE(Span(answers), 6.0);
    EXPECT_LE(MaxWindow(answers), 100 + 10 + 20);
}

TEST(Capacity, SegmentsShareOneBudget) {
    TablePacer pacer;
    pacer.SetBudget(100, 0, PaceClock::time_point{});
    auto answers = Simulate(pacer, CapacityKind::Read, 8, 20, 50ms, 500);
    EXPECT_GE(Span(answers), 4.0);
    EXPECT_LE(Span(answers), 6.0);
    EXPECT_LE(MaxWindow(answers), 100 + 10 + 20);
}

TEST(Capacity, ReadAndWriteBudgetsAreSeparate) {
    TablePacer pacer;
    pacer.SetBudget(0, 50, PaceClock::time_point{});
    EXPECT_FALSE(pacer.limited(CapacityKind::Read));
    EXPECT_TRUE(pacer.limited(CapacityKind::Write));
    auto answers = Simulate(pacer, CapacityKind::Write, 4, 25, 10ms, 250);
    EXPECT_GE(Span(answers), 4.0);
    EXPECT_LE(MaxWindow(answers), 50 + 5 + 25);
    EXPECT_DOUBLE_EQ(pacer.stats().write_units, 250);
}

TEST(Capacity, ABigRequestIsADebtPaidByWaiting) {
    CapacityBucket b;
    PaceClock::time_point t0{};
    b.SetRate(10, t0);
    double reserved = 0;
    PaceClock::time_point when;
    ASSERT_TRUE(b.TryAcquire(t0, 1.0, reserved, when));
    b.Settle(reserved, 30, true);  // 30 units at 10 a second: three seconds of budget
    ASSERT_FALSE(b.TryAcquire(t0, 1.0, reserved, when));
    EXPECT_GE(when - t0, 2900ms);
    EXPECT_LE(when - t0, 3100ms);
    EXPECT_TRUE(b.TryAcquire(when, 1.0, reserved, when));
}

TEST(Capacity, AThrottleHoldsEveryRequestBack) {
    TablePacer pacer(nullptr, [] { return 0.0; });
    PaceClock::time_point t0{};
    BackoffPolicy policy{100, 2000};
    double r1 = 0, r2 = 0;
    PaceClock::time_point when;
    ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t0, r1, when));
    ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t0, r2, when));
    pacer.Finish(CapacityKind::Read, r1, TablePacer::Outcome::Throttled, 0, false, t0, policy);
    EXPECT_EQ(pacer.backoff().level(), 1);
    // Level 1: half of min(2000, 100 * 2) with no jitter: 100 ms for every request.
    double r = 0;
    EXPECT_FALSE(pacer.TryStart(CapacityKind::Read, t0 + 50ms, r, when));
    EXPECT_EQ(when, t0 + 100ms);
    EXPECT_TRUE(pacer.TryStart(CapacityKind::Write, t0 + 100ms, r, when));
    EXPECT_EQ(pacer.stats().throttled, 1);
}

TEST(Capacity, TheBackoffLimitsRequestsInFlightAndRecoversGradually) {
    TablePacer pacer(nullptr, [] { return 0.0; });
    PaceClock::time_point t{};
    BackoffPolicy policy{1, 10};
    double r = 0;
    PaceClock::time_point when;
    for (int i = 0; i < 4; i++) {
        ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t, r, when));
        pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Throttled, 0, false, t, policy);
        t += 1s;
    }
    EXPECT_EQ(pacer.backoff().level(), 4);
    EXPECT_EQ(pacer.backoff().max_in_flight(), 1);
    ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t, r, when));
    EXPECT_FALSE(pacer.TryStart(CapacityKind::Read, t, r, when));
    pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Done, 1, true, t, policy);
    // Four successes a level.
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t, r, when));
        pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Done, 1, true, t, policy);
    }
    EXPECT_EQ(pacer.backoff().level(), 3);
    EXPECT_EQ(pacer.backoff().max_in_flight(), 2);
    for (int i = 0; i < 12; i++) {
        ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t, r, when));
        pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Done, 1, true, t, policy);
    }
    EXPECT_EQ(pacer.backoff().level(), 0);
    EXPECT_EQ(pacer.backoff().max_in_flight(), SharedBackoff::kUnlimited);
}

TEST(Capacity, WithoutSharedBackoffAThrottleHoldsNothingBack) {
    TablePacer pacer;
    pacer.SetSharedBackoff(false);
    PaceClock::time_point t0{};
    double r = 0;
    PaceClock::time_point when;
    ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t0, r, when));
    pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Throttled, 0, false, t0, {});
    EXPECT_EQ(pacer.backoff().level(), 0);
    EXPECT_TRUE(pacer.TryStart(CapacityKind::Read, t0, r, when));
    EXPECT_EQ(pacer.stats().throttled, 1);
}

TEST(Capacity, AThrottleSlowsTheBudget) {
    TablePacer pacer(nullptr, [] { return 0.0; });
    PaceClock::time_point t0{};
    pacer.SetBudget(100, 0, t0);
    double r = 0;
    PaceClock::time_point when;
    ASSERT_TRUE(pacer.TryStart(CapacityKind::Read, t0, r, when));
    pacer.Finish(CapacityKind::Read, r, TablePacer::Outcome::Throttled, 0, false, t0, {1, 1});
    EXPECT_EQ(pacer.backoff().rate_factor(), 0.5);
    auto answers = Simulate(pacer, CapacityKind::Read, 1, 10, 1ms, 100);
    // At half the rate until the successes bring the level down.
    EXPECT_GT(Span(answers), 1.0);
}

TEST(Capacity, PacersSharingAStateShareOneBudget) {
    // Two backends' pacers of one table, each with one sequence of requests, alternating.
    PacerState state;
    TablePacer a(&state), b(&state);
    a.SetBudget(100, 0, PaceClock::time_point{});
    b.SetBudget(100, 0, PaceClock::time_point{});
    EXPECT_TRUE(a.shared());
    PaceClock::time_point now{};
    std::vector<Answer> answers;
    double consumed = 0;
    TablePacer *pacers[2] = {&a, &b};
    PaceClock::time_point next[2] = {now, now};
    while (consumed < 1000) {
        int i = next[0] <= next[1] ? 0 : 1;
        now = next[i];
        double reserved = 0;
        PaceClock::time_point when;
        if (pacers[i]->TryStart(CapacityKind::Read, now, reserved, when)) {
            now += 5ms;
            pacers[i]->Finish(CapacityKind::Read, reserved, TablePacer::Outcome::Done, 20, true,
                              now, {});
            answers.push_back({now, 20});
            consumed += 20;
            next[i] = now;
        } else {
            next[i] = when;
        }
    }
    // 1000 units at 100 a second for both together: about 10 seconds.
    EXPECT_GE(Span(answers), 9.0);
    EXPECT_LE(Span(answers), 11.0);
    EXPECT_LE(MaxWindow(answers), 100 + 10 + 20);
    EXPECT_DOUBLE_EQ(a.stats().read_units + b.stats().read_units, 1000);
}

TEST(Capacity, RegistryFindsAndClaimsSlots) {
    std::vector<std::max_align_t> memory(PacerRegistry::Bytes(2) / sizeof(std::max_align_t) + 1);
    PacerRegistry *r = PacerRegistry::Create(memory.data(), 2);
    PacerState *t1 = r->Find("http://x/ t1");
    PacerState *t2 = r->Find("http://x/ t2");
    ASSERT_NE(t1, nullptr);
    ASSERT_NE(t2, nullptr);
    EXPECT_NE(t1, t2);
    EXPECT_EQ(r->Find("http://x/ t1"), t1);
    EXPECT_EQ(r->Find("http://x/ t3"), nullptr);  // full
    EXPECT_EQ(r->Find(std::string(PacerRegistry::kKeyBytes + 1, 'k')), nullptr);
    // A budget set through one pacer is seen through another of the same slot.
    TablePacer a(t1), b(r->Find("http://x/ t1"));
    a.SetBudget(0, 40, PaceClock::time_point{});
    EXPECT_EQ(b.rate(CapacityKind::Write), 40);
}

TEST(Capacity, PageLimits) {
    EXPECT_EQ(PacedPageLimit(100, 0), 20);  // unknown: a unit an item
    EXPECT_EQ(PacedPageLimit(100, 0.125), 160);
    EXPECT_EQ(PacedPageLimit(1, 0), 1);
    EXPECT_EQ(PacedPageLimit(1, 50), 1);
}

TEST(Capacity, TableOfBody) {
    EXPECT_EQ(TableOfBody(R"({"TableName":"orders","Key":{}})"), "orders");
    EXPECT_EQ(TableOfBody(R"({"RequestItems":{"t.1-x":{"Keys":[]}}})"), "t.1-x");
    EXPECT_EQ(TableOfBody(R"({"Limit":100})"), "");
    EXPECT_EQ(TableOfBody(R"({"TransactItems":[]})"), "");
    EXPECT_EQ(TableOfBody(R"({"TableName":"unterminated)"), "");
    CapacityKind k;
    EXPECT_TRUE(CapacityKindOf("Scan", k));
    EXPECT_EQ(k, CapacityKind::Read);
    EXPECT_TRUE(CapacityKindOf("BatchWriteItem", k));
    EXPECT_EQ(k, CapacityKind::Write);
    EXPECT_FALSE(CapacityKindOf("DescribeTable", k));
}

TEST(Capacity, ConsumedUnitsOfBody) {
    double u = 0;
    EXPECT_TRUE(ConsumedUnitsOfBody(
        R"({"Items":[],"ConsumedCapacity":{"TableName":"t","CapacityUnits":12.5}})", u));
    EXPECT_DOUBLE_EQ(u, 12.5);
    EXPECT_TRUE(ConsumedUnitsOfBody(
        R"({"ConsumedCapacity":[{"TableName":"t","CapacityUnits":25},{"CapacityUnits":1}]})", u));
    EXPECT_DOUBLE_EQ(u, 26);
    EXPECT_FALSE(ConsumedUnitsOfBody(R"({"Items":[]})", u));
    EXPECT_FALSE(ConsumedUnitsOfBody("not json", u));
}

}  // namespace
}  // namespace dynamo
