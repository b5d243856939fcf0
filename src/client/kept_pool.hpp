// A process-wide pool of objects kept for reuse (memory that is already in place), shared by
// every thread. Part of the client layer: plain C++, never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace dynamo {

// Holds at most N objects. Keep() never allocates (the room is reserved when the pool is made),
// so it may be called from destructors; the pool itself is never destroyed, so that objects
// ending during the process's exit handlers still find it.
template <class T, size_t N>
class KeptPool {
  public:
    static KeptPool &Instance() {
        static auto *pool = new KeptPool();
        return *pool;
    }

    // Moves `object` into the pool when there is room; false (and `object` untouched) otherwise.
    bool Keep(T &object) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (kept_.size() >= N)
            return false;
        kept_.push_back(std::move(object));
        return true;
    }

    // Moves the most recently kept object into `object`; false when the pool is empty.
    bool Take(T &object) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (kept_.empty())
            return false;
        object = std::move(kept_.back());
        kept_.pop_back();
        return true;
    }

    size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return kept_.size();
    }

  private:
    KeptPool() { kept_.reserve(N); }

    mutable std::mutex mutex_;
    std::vector<T> kept_;
};

}  // namespace dynamo
