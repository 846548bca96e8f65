// superfluid guest runtime: what g++ output needs besides libc (guest-only).
//
// operator new/delete in every form g++ may reference (a failing new prints
// a message and aborts: there are no exceptions), std::nothrow, and the C++
// ABI hooks for pure virtuals, static destructors and array-size overflow.
#include "sf/libc.h"

#include <new> // std::nothrow_t, std::align_val_t (freestanding)

namespace {

[[noreturn]] void out_of_memory(size_t size) {
    printf("operator new: out of memory (%zu bytes)\n", size);
    abort();
}

void* allocate(size_t size) {
    void* p = malloc(size);
    if (p == nullptr) out_of_memory(size);
    return p;
}

void* allocate_aligned(size_t size, std::align_val_t align) {
    void* p = aligned_alloc(static_cast<size_t>(align), size);
    if (p == nullptr) out_of_memory(size);
    return p;
}

} // namespace

namespace std {
const nothrow_t nothrow{}; // normally in libsupc++, which guests do not link
} // namespace std

void* operator new(size_t size) {
    return allocate(size);
}
void* operator new[](size_t size) {
    return allocate(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return malloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return malloc(size);
}
void* operator new(size_t size, std::align_val_t align) {
    return allocate_aligned(size, align);
}
void* operator new[](size_t size, std::align_val_t align) {
    return allocate_aligned(size, align);
}
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return aligned_alloc(static_cast<size_t>(align), size);
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    return aligned_alloc(static_cast<size_t>(align), size);
}

void operator delete(void* p) noexcept {
    free(p);
}
void operator delete[](void* p) noexcept {
    free(p);
}
void operator delete(void* p, size_t) noexcept {
    free(p);
}
void operator delete[](void* p, size_t) noexcept {
    free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
    free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
    free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    free(p);
}

extern "C" {

// Static destructors would register here; guests end through sf_exit, so nothing runs them.
void* __dso_handle = nullptr;

int __cxa_atexit(void (*)(void*), void*, void*) noexcept {
    return 0;
}

[[noreturn]] void __cxa_pure_virtual() {
    puts("pure virtual function called");
    abort();
}

[[noreturn]] void __cxa_deleted_virtual() {
    puts("deleted virtual function called");
    abort();
}

[[noreturn]] void __cxa_throw_bad_array_new_length() {
    puts("new[]: bad array length");
    abort();
}

} // extern "C"
