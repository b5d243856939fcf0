// A process-wide pool of objects kept for reuse (memory that is already in place), shared by
// every thread. Part of the client layer: plain C++, never includes postgres.h.
#pragma once

#ifdef POSTGRES_H
#error "src/client must not see postgres.h"
#endif

#include <atomic>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace dynamo {

namespace kept_detail {
inline std::atomic<bool> keep{true};
inline std::mutex registry_mutex;
// The Clear() of every pool made so far; never destroyed (see KeptPool).
inline std::vector<void (*)()> &Registry() {
    static auto *registry = new std::vector<void (*)()>();
    return *registry;
}
}  // namespace kept_detail

// Whether the process keeps memory for later requests at all (the default). Turning it off
// empties every pool at once; while it is off the pools keep nothing and the first full Scan's
// wait prepares no memory (see read_cursor.cpp).
inline bool KeepMemory() {
    return kept_detail::keep.load(std::memory_order_relaxed);
}
inline void SetKeepMemory(bool keep) {
    kept_detail::keep.store(keep);
    if (keep)
        return;
    std::vector<void (*)()> clears;
    {
        std::lock_guard<std::mutex> lock(kept_detail::registry_mutex);
        clears = kept_detail::Registry();
    }
    for (auto clear : clears)
        clear();
}

// Holds at most N objects. Keep() never allocates (the room is reserved when the pool is made),
// so it may be called from destructors; the pool itself is never destroyed, so that objects
// ending during the process's exit handlers still find it.
template <class T, size_t N>
class KeptPool {
  public:
    static KeptPool &Instance() {
        static auto *pool = Make();
        return *pool;
    }

    // Moves `object` into the pool when there is room and memory is kept at all; false (and
    // `object` untouched) otherwise.
    bool Keep(T &object) {
        std::lock_guard<std::mutex> lock(mutex_);
        // Read under the lock: a Clear() that follows turning keeping off sees this object.
        if (!KeepMemory() || kept_.size() >= N)
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

    // Frees every object the pool holds.
    void Clear() {
        std::vector<T> dropped;
        dropped.reserve(N);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (T &object : kept_)
                dropped.push_back(std::move(object));
            kept_.clear();
        }
    }

  private:
    KeptPool() { kept_.reserve(N); }

    static KeptPool *Make() {
        auto *pool = new KeptPool();
        std::lock_guard<std::mutex> lock(kept_detail::registry_mutex);
        kept_detail::Registry().push_back([] { Instance().Clear(); });
        return pool;
    }

    mutable std::mutex mutex_;
    std::vector<T> kept_;
};

}  // namespace dynamo
