// superfluid guest runtime: hypercall wrappers (guest-only).
//
// Each wrapper fills its ABI struct on the stack and issues one `out`; the
// "memory" clobber in sf_hypercall orders the struct's stores and loads
// around the exit.
#include "sf/hypercall.h"

extern "C" {

const sf_boot_info* sf_get_boot_info(void) {
    // The ABI fixes the address; hiding its origin keeps GCC from treating it as a near-null pointer.
    uintptr_t a = SF_BOOT_INFO_GPA;
    __asm__("" : "+r"(a));
    return reinterpret_cast<const struct sf_boot_info*>(a);
}

int64_t sf_console_write(const void* data, size_t len) {
    const auto* p = static_cast<const char*>(data);
    int64_t written = 0;
    do { // a zero-length write still makes one call: the monitor checks the pointer
        const size_t step = len < SF_CONSOLE_WRITE_MAX ? len : SF_CONSOLE_WRITE_MAX;
        sf_hc_console_write hc{reinterpret_cast<uintptr_t>(p), step, 0};
        sf_hypercall(SF_HC_CONSOLE_WRITE, &hc);
        if (hc.ret < 0) return hc.ret;
        written += hc.ret;
        p += step;
        len -= step;
    } while (len > 0);
    return written;
}

void sf_clock(uint64_t* monotonic_ns, uint64_t* wall_ns) {
    sf_hc_clock hc{0, 0};
    sf_hypercall(SF_HC_CLOCK, &hc);
    if (monotonic_ns != nullptr) *monotonic_ns = hc.monotonic_ns;
    if (wall_ns != nullptr) *wall_ns = hc.wall_ns;
}

uint64_t sf_monotonic_ns(void) {
    uint64_t ns = 0;
    sf_clock(&ns, nullptr);
    return ns;
}

uint64_t sf_wall_ns(void) {
    uint64_t ns = 0;
    sf_clock(nullptr, &ns);
    return ns;
}

uint64_t sf_poll(uint64_t deadline_ns) {
    sf_hc_poll hc{deadline_ns, 0, 0};
    sf_hypercall(SF_HC_POLL, &hc);
    return hc.ready_set;
}

void sf_sleep_until(uint64_t deadline_ns) {
    while (sf_poll(deadline_ns) != 0) {
        // woken by I/O that nobody here waits for: keep sleeping
    }
}

void sf_sleep_ns(uint64_t ns) {
    sf_sleep_until(sf_monotonic_ns() + ns);
}

int64_t sf_net_attach(uint32_t nic, sf_net_rings* rings) {
    sf_hc_net_attach hc{nic, 0, reinterpret_cast<uintptr_t>(rings), 0};
    sf_hypercall(SF_HC_NET_ATTACH, &hc);
    return hc.ret;
}

int64_t sf_net_kick(uint32_t nic) {
    sf_hc_net_kick hc{nic, 0, 0};
    sf_hypercall(SF_HC_NET_KICK, &hc);
    return hc.ret;
}

void sf_exit(int status) {
    sf_hc_exit hc{status, 0};
    sf_hypercall(SF_HC_EXIT, &hc);
    __builtin_trap(); // the monitor never resumes an exited guest
}

} // extern "C"
