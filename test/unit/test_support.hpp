// Helpers shared by the client unit tests: time, an abort hook set from another thread, a
// client configuration for the scripted test server, and a count of the heap allocations a
// thread makes.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "client/dynamodb_client.hpp"

namespace testsupport {

using Clock = std::chrono::steady_clock;

inline long ElapsedMs(Clock::time_point since) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

inline void SleepMs(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// The abort hook: a plain function reading a flag another thread sets.
inline std::atomic<bool> g_abort{false};
inline bool AbortRequested() {
    return g_abort.load();
}

// Clears g_abort, then sets it from a helper thread after `ms` milliseconds. The destructor
// joins the helper and clears the flag again.
class AbortAfter {
  public:
    explicit AbortAfter(int ms) {
        g_abort = false;
        thread_ = std::thread([this, ms] {
            auto until = Clock::now() + std::chrono::milliseconds(ms);
            while (!cancelled_ && Clock::now() < until)
                SleepMs(5);
            if (!cancelled_)
                g_abort = true;
        });
    }
    ~AbortAfter() {
        cancelled_ = true;
        thread_.join();
        g_abort = false;
    }

  private:
    std::atomic<bool> cancelled_{false};
    std::thread thread_;
};

// A client configuration for a scripted test server at `url`: test credentials, short
// timeouts, `max_attempts` attempts per request and retry delays of a few milliseconds.
inline dynamo::ClientConfig TestConfig(const std::string &url, int max_attempts) {
    dynamo::ClientConfig c;
    c.region = "us-east-1";
    c.endpoint_url = url;
    c.credentials.access_key_id = "test";
    c.credentials.secret_access_key = "test";
    c.http.connect_timeout_ms = 2000;
    c.http.request_timeout_ms = 5000;
    c.retry.max_attempts = max_attempts;
    c.retry.base_delay_ms = 1;
    c.retry.max_delay_ms = 5;
    c.retry.max_total_ms = 5000;
    return c;
}

// The body of a DynamoDB error answer whose "__type" is `type` (as sent, service prefix
// included).
inline std::string ErrorBody(const std::string &type, const std::string &message) {
    return "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}";
}

// Heap allocations (operator new, any form) made by this thread while counting; kept by the
// test program's replacement of operator new (allocation_count.cpp).
extern thread_local long t_allocations;
extern thread_local bool t_counting;

// The allocations this thread makes while running `fn`.
template <typename Fn>
long CountAllocations(Fn &&fn) {
    const long before = t_allocations;
    t_counting = true;
    try {
        fn();
    } catch (...) {
        t_counting = false;
        throw;
    }
    t_counting = false;
    return t_allocations - before;
}

}  // namespace testsupport
