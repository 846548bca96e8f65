// superfluid sample guest: selftest.
//
// Exercises the runtime inside a real guest: global constructors, argv,
// malloc/calloc/realloc/free, new/delete (plain, array, aligned, nothrow),
// virtual calls, the clocks and poll, and printf output longer than its
// buffer. Output:
//   selftest: N args: [ARG1] [ARG2] ...
//   selftest: long line ....(1100 dots)....|
//   selftest: ok (C checks)            exit 0
// or, for each failed check, "selftest: FAILED: WHAT (file:line)" and exit 1.
#include "sf/hypercall.h"
#include "sf/libc.h"

#include <new>

namespace {

int g_checks;
int g_failures;

void check(bool ok, const char* what, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        printf("selftest: FAILED: %s (%s:%d)\n", what, __FILE__, line);
    }
}
#define CHECK(e) check((e), #e, __LINE__)

struct Constructed {
    Constructed() : value(0x5f) {}
    ~Constructed() { value = 0; } // registered with __cxa_atexit, never run
    int value;
};
Constructed g_constructed; // needs .init_array to run

struct Shape {
    virtual ~Shape() = default;
    virtual int sides() const = 0;
};
struct Triangle final : Shape {
    int sides() const override { return 3; }
};
struct Square final : Shape {
    int sides() const override { return 4; }
};

struct alignas(64) Wide {
    unsigned char bytes[64];
};

void print_args(int argc, char** argv) {
    printf("selftest: %d args:", argc - 1);
    for (int i = 1; i < argc; ++i)
        printf(" [%s]", argv[i]);
    printf("\n");
}

void test_startup(int argc, char** argv) {
    CHECK(g_constructed.value == 0x5f);
    CHECK(argc >= 1 && argv[argc] == nullptr);
    CHECK(strcmp(argv[0], sf_get_boot_info()->name) == 0);
    CHECK(sf_get_boot_info()->abi_version == SF_ABI_VERSION);
}

void test_malloc() {
    auto* p = static_cast<unsigned char*>(malloc(100));
    CHECK(p != nullptr && reinterpret_cast<uintptr_t>(p) % 16 == 0);
    memset(p, 0xab, 100);
    p = static_cast<unsigned char*>(realloc(p, 5000));
    CHECK(p != nullptr && p[0] == 0xab && p[99] == 0xab);
    auto* z = static_cast<unsigned char*>(calloc(64, 64));
    CHECK(z != nullptr && z[0] == 0 && z[4095] == 0);
    void* aligned = aligned_alloc(4096, 10);
    CHECK(aligned != nullptr && reinterpret_cast<uintptr_t>(aligned) % 4096 == 0);
    const size_t big = 1u << 20;
    auto* b = static_cast<unsigned char*>(malloc(big));
    CHECK(b != nullptr);
    if (b != nullptr) {
        memset(b, 1, big);
        CHECK(b[big - 1] == 1);
    }
    CHECK(malloc(sf_get_boot_info()->mem_size) == nullptr);
    free(b);
    free(aligned);
    free(z);
    free(p);
}

void test_new() {
    Shape* shapes[2] = {new Triangle, new Square};
    CHECK(shapes[0]->sides() + shapes[1]->sides() == 7);
    for (Shape* s : shapes)
        delete s;
    int* arr = new int[1000]();
    CHECK(arr[999] == 0);
    delete[] arr;
    auto* w = new Wide;
    CHECK(reinterpret_cast<uintptr_t>(w) % 64 == 0);
    delete w;
    auto* none = new (std::nothrow) unsigned char[sf_get_boot_info()->mem_size];
    CHECK(none == nullptr);
}

void test_time() {
    uint64_t mono = 0, wall = 0;
    sf_clock(&mono, &wall);
    CHECK(wall > 1600000000ull * 1000000000ull); // after 2020
    const uint64_t tsc = sf_rdtsc();
    sf_sleep_ns(2000000);
    const uint64_t after = sf_monotonic_ns();
    CHECK(after >= mono + 2000000);
    CHECK(sf_rdtsc() > tsc);
    CHECK(sf_poll(0) == 0); // a deadline in the past returns at once
}

void test_long_output() {
    const int n = printf("selftest: long line %1100s|\n", "");
    CHECK(n == 20 + 1100 + 2);
    CHECK(puts("selftest: puts") == 15);
}

} // namespace

int main(int argc, char** argv) {
    print_args(argc, argv);
    test_startup(argc, argv);
    test_malloc();
    test_new();
    test_time();
    test_long_output();
    if (g_failures != 0) return 1;
    printf("selftest: ok (%d checks)\n", g_checks);
    return 0;
}
