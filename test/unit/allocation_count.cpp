// Counts the C++ heap allocations each thread makes while it asks to be counted (see
// CountAllocations in test_support.hpp): the test program's replacement of the global operator
// new, which otherwise allocates as the library's does.
#include <cstdlib>
#include <new>

#include "test_support.hpp"

namespace testsupport {
thread_local long t_allocations = 0;
thread_local bool t_counting = false;
}  // namespace testsupport

namespace {

void *Allocate(std::size_t size) {
    if (testsupport::t_counting)
        testsupport::t_allocations++;
    return std::malloc(size == 0 ? 1 : size);
}

void *AllocateAligned(std::size_t size, std::align_val_t align) {
    if (testsupport::t_counting)
        testsupport::t_allocations++;
    std::size_t a = static_cast<std::size_t>(align);
    if (a < sizeof(void *))
        a = sizeof(void *);
    void *p = nullptr;
    return posix_memalign(&p, a, size == 0 ? 1 : size) == 0 ? p : nullptr;
}

}  // namespace

void *operator new(std::size_t size) {
    void *p = Allocate(size);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}
void *operator new[](std::size_t size) {
    return operator new(size);
}
void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
    return Allocate(size);
}
void *operator new[](std::size_t size, const std::nothrow_t &) noexcept {
    return Allocate(size);
}
void *operator new(std::size_t size, std::align_val_t align) {
    void *p = AllocateAligned(size, align);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}
void *operator new[](std::size_t size, std::align_val_t align) {
    return operator new(size, align);
}
void *operator new(std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept {
    return AllocateAligned(size, align);
}
void *operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept {
    return AllocateAligned(size, align);
}

void operator delete(void *p) noexcept {
    std::free(p);
}
void operator delete[](void *p) noexcept {
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void *p, const std::nothrow_t &) noexcept {
    std::free(p);
}
void operator delete[](void *p, const std::nothrow_t &) noexcept {
    std::free(p);
}
void operator delete(void *p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void *p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept {
    std::free(p);
}
