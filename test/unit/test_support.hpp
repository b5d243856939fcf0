// Helpers shared by the client unit tests: time, and an abort hook set from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

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

}  // namespace testsupport
