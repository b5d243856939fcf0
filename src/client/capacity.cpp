#include "client/capacity.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <random>
#include <thread>

namespace dynamo {

namespace {

double Seconds(PaceClock::duration d) {
    return std::chrono::duration<double>(d).count();
}

PaceClock::duration FromSeconds(double s) {
    return std::chrono::duration_cast<PaceClock::duration>(std::chrono::duration<double>(s));
}

double DefaultJitter() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

double CapacityBucket::burst() const {
    if (rate_ <= 0)
        return 0;
    return std::max(rate_ * kBurstSeconds, std::min(rate_, 1.0));
}

void CapacityBucket::SetRate(double units_per_second, PaceClock::time_point now) {
    double rate = units_per_second > 0 ? units_per_second : 0;
    if (rate == rate_)
        return;
    if (started_ && rate_ > 0)
        Refill(now, 1.0);
    rate_ = rate;
    if (!started_ || tokens_ > burst()) {
        tokens_ = burst();
        started_ = rate_ > 0;
    }
    last_ = now;
}

void CapacityBucket::Refill(PaceClock::time_point now, double factor) {
    if (now > last_) {
        tokens_ = std::min(burst(), tokens_ + rate_ * factor * Seconds(now - last_));
        last_ = now;
    }
}

double CapacityBucket::estimate() const {
    return average_ < 0 ? burst() : average_;
}

bool CapacityBucket::TryAcquire(PaceClock::time_point now, double factor, double &reserved,
                                PaceClock::time_point &when) {
    reserved = 0;
    if (!limited())
        return true;
    factor = std::min(1.0, std::max(factor, 1e-3));
    Refill(now, factor);
    if (tokens_ > 0) {
        reserved = estimate();
        tokens_ -= reserved;
        return true;
    }
    // Until the debt is paid off, and a millisecond more so that the balance is above zero.
    when = now + FromSeconds(-tokens_ / (rate_ * factor)) + std::chrono::milliseconds(1);
    return false;
}

void CapacityBucket::Settle(double reserved, double actual, bool known) {
    if (!known)
        return;
    tokens_ += reserved - actual;
    if (tokens_ > burst())
        tokens_ = burst();
    average_ = average_ < 0 ? actual : 0.7 * average_ + 0.3 * actual;
}

void SharedBackoff::OnThrottle(PaceClock::time_point now, const BackoffPolicy &policy,
                               double jitter) {
    level_ = std::min(level_ + 1, kMaxLevel);
    successes_ = 0;
    long ceiling = policy.base_delay_ms << level_;
    if (ceiling > policy.max_delay_ms || ceiling <= 0)
        ceiling = policy.max_delay_ms;
    // Half the ceiling, and a random part of the other half: one pause for every request.
    double ms = ceiling * (0.5 + 0.5 * std::min(std::max(jitter, 0.0), 1.0));
    not_before_ = std::max(not_before_, now + FromSeconds(ms / 1000.0));
}

void SharedBackoff::OnSuccess() {
    if (level_ == 0)
        return;
    if (++successes_ >= kSuccessesPerLevel) {
        level_--;
        successes_ = 0;
    }
}

int SharedBackoff::max_in_flight() const {
    if (level_ == 0)
        return kUnlimited;
    return std::max(1, 16 >> level_);
}

double SharedBackoff::rate_factor() const {
    return 1.0 / static_cast<double>(1 << std::min(level_, 4));
}

namespace {

void Lock(std::atomic<int> &lock) {
    while (lock.exchange(1, std::memory_order_acquire) != 0)
        std::this_thread::yield();
}

void Unlock(std::atomic<int> &lock) {
    lock.store(0, std::memory_order_release);
}

}  // namespace

class TablePacer::Guard {
  public:
    explicit Guard(PacerState *s) : s_(s) { Lock(s_->lock); }
    ~Guard() { Unlock(s_->lock); }
    Guard(const Guard &) = delete;
    Guard &operator=(const Guard &) = delete;

  private:
    PacerState *s_;
};

TablePacer::TablePacer(PacerState *shared, std::function<double()> jitter)
    : jitter_(jitter ? std::move(jitter) : std::function<double()>(DefaultJitter)) {
    if (shared == nullptr) {
        own_ = std::make_unique<PacerState>();
        state_ = own_.get();
    } else {
        state_ = shared;
    }
}

void TablePacer::SetBudget(double read_units_per_second, double write_units_per_second,
                           PaceClock::time_point now) {
    Guard g(state_);
    state_->read.SetRate(read_units_per_second, now);
    state_->write.SetRate(write_units_per_second, now);
}

double TablePacer::rate(CapacityKind kind) const {
    Guard g(state_);
    return bucket(*state_, kind).rate();
}

SharedBackoff TablePacer::backoff() const {
    Guard g(state_);
    return state_->backoff;
}

bool TablePacer::TryStart(CapacityKind kind, PaceClock::time_point now, double &reserved,
                          PaceClock::time_point &when) {
    reserved = 0;
    double factor = 1.0;
    Guard g(state_);
    if (shared_backoff_) {
        const SharedBackoff &b = state_->backoff;
        if (now < b.not_before()) {
            when = b.not_before();
            return false;
        }
        if (in_flight_ >= b.max_in_flight()) {
            // A completion wakes the caller up first, as a rule.
            when = now + std::chrono::milliseconds(50);
            return false;
        }
        factor = b.rate_factor();
    }
    if (!bucket(*state_, kind).TryAcquire(now, factor, reserved, when))
        return false;
    in_flight_++;
    return true;
}

void TablePacer::Finish(CapacityKind kind, double reserved, Outcome outcome, double actual,
                        bool known, PaceClock::time_point now, const BackoffPolicy &policy) {
    if (in_flight_ > 0)
        in_flight_--;
    const double jitter = outcome == Outcome::Throttled ? jitter_() : 0;
    Guard g(state_);
    CapacityBucket &b = bucket(*state_, kind);
    switch (outcome) {
        case Outcome::Done:
            b.Settle(reserved, actual, known);
            if (known)
                (kind == CapacityKind::Read ? stats_.read_units : stats_.write_units) += actual;
            if (shared_backoff_)
                state_->backoff.OnSuccess();
            break;
        case Outcome::Throttled:
            // A throttled request consumed nothing.
            b.Settle(reserved, 0, true);
            stats_.throttled++;
            if (shared_backoff_)
                state_->backoff.OnThrottle(now, policy, jitter);
            break;
        case Outcome::Failed:
            // What it consumed is not known: its reservation stands.
            break;
    }
}

bool TablePacer::OnUnprocessed(PaceClock::time_point now, const BackoffPolicy &policy) {
    if (!shared_backoff_)
        return false;
    const double jitter = jitter_();
    Guard g(state_);
    state_->backoff.OnThrottle(now, policy, jitter);
    return true;
}

size_t PacerRegistry::Bytes(size_t slots) {
    return sizeof(PacerRegistry) + alignof(Slot) + slots * sizeof(Slot);
}

PacerRegistry::Slot *PacerRegistry::slot(size_t i) {
    uintptr_t base = reinterpret_cast<uintptr_t>(this) + sizeof(PacerRegistry);
    base = (base + alignof(Slot) - 1) / alignof(Slot) * alignof(Slot);
    return reinterpret_cast<Slot *>(base) + i;
}

PacerRegistry *PacerRegistry::Create(void *memory, size_t slots) {
    PacerRegistry *r = new (memory) PacerRegistry();
    r->slots_ = slots;
    for (size_t i = 0; i < slots; i++) {
        Slot *s = new (r->slot(i)) Slot();
        s->used = false;
        s->key_len = 0;
    }
    return r;
}

PacerState *PacerRegistry::Find(std::string_view key) {
    if (key.size() > kKeyBytes)
        return nullptr;
    PacerState *found = nullptr;
    Lock(lock_);
    for (size_t i = 0; i < slots_ && found == nullptr; i++) {
        Slot *s = slot(i);
        if (!s->used) {
            std::memcpy(s->key, key.data(), key.size());
            s->key_len = key.size();
            s->used = true;
            found = &s->state;
        } else if (s->key_len == key.size() && std::memcmp(s->key, key.data(), key.size()) == 0) {
            found = &s->state;
        }
    }
    Unlock(lock_);
    return found;
}

int64_t PacedPageLimit(double units_per_second, double units_per_item) {
    double target = std::max(1.0, units_per_second * 0.2);
    // Before any page: as if each item took a whole read unit.
    double per_item = units_per_item > 0 ? units_per_item : 1.0;
    double n = std::floor(target / per_item);
    if (!(n >= 1))
        return 1;
    if (n > 1e9)
        return 1000000000;
    return static_cast<int64_t>(n);
}

bool IsThrottle(const std::string &type) {
    return type == "ProvisionedThroughputExceededException" || type == "ThrottlingException" ||
           type == "RequestLimitExceeded";
}

std::string_view TableOfBody(std::string_view body) {
    auto quoted_after = [&](std::string_view prefix) -> std::string_view {
        if (body.substr(0, prefix.size()) != prefix)
            return {};
        size_t start = prefix.size();
        size_t end = body.find('"', start);
        if (end == std::string_view::npos)
            return {};
        std::string_view name = body.substr(start, end - start);
        // Table names are letters, digits, '_', '-' and '.': nothing is escaped.
        if (name.find('\\') != std::string_view::npos)
            return {};
        return name;
    };
    std::string_view t = quoted_after("{\"TableName\":\"");
    if (t.empty())
        t = quoted_after("{\"RequestItems\":{\"");
    return t;
}

bool CapacityKindOf(std::string_view op, CapacityKind &kind) {
    if (op == "Scan" || op == "Query" || op == "GetItem" || op == "BatchGetItem") {
        kind = CapacityKind::Read;
        return true;
    }
    if (op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "BatchWriteItem") {
        kind = CapacityKind::Write;
        return true;
    }
    return false;
}

bool ConsumedUnitsOfBody(std::string_view body, double &units) {
    static thread_local simdjson::dom::parser parser;
    units = 0;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS)
        return false;
    simdjson::dom::element cc;
    if (doc["ConsumedCapacity"].get(cc) != simdjson::SUCCESS)
        return false;
    bool found = false;
    auto add = [&](simdjson::dom::element e) {
        double u = 0;
        if (e["CapacityUnits"].get_double().get(u) == simdjson::SUCCESS) {
            units += u;
            found = true;
        }
    };
    simdjson::dom::array arr;
    if (cc.get_array().get(arr) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : arr)
            add(e);
    } else {
        add(cc);
    }
    return found;
}

}  // namespace dynamo
