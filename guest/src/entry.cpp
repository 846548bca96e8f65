// superfluid guest runtime: from _start to main (guest-only).
//
// Runs the global constructors, builds argv from the boot info (argv[0] is
// the guest's name, the rest is the command line split on whitespace), calls
// main and exits with its status. Nothing here touches .data, .bss or the
// heap: the strings and argv live in this frame, in the top stack page.
#include "sf/hypercall.h"
#include "sf/string.h"

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

int main(int argc, char** argv);

namespace {

constexpr int kArgvMax = 64; // argv entries, argv[0] included; further words are ignored

// Copies the NUL-terminated `src` into `dst` (size bytes), bounded even if the terminator is missing.
void copy_string(char* dst, const char* src, size_t size) {
    const size_t n = sf_strnlen(src, size - 1);
    sf_memcpy(dst, src, n);
    dst[n] = '\0';
}

void run_constructors() {
    for (void (**ctor)() = __init_array_start; ctor != __init_array_end; ++ctor)
        (*ctor)();
}

// Copies `cmdline` to `buf` and splits it in place; returns argc (argv[0] is set by the caller).
int split_args(const char* cmdline, char* buf, char** argv) {
    copy_string(buf, cmdline, SF_CMDLINE_MAX);
    int argc = 1;
    char* p = buf;
    while (argc < kArgvMax) {
        while (sf_isspace(*p))
            ++p;
        if (*p == '\0') break;
        argv[argc++] = p;
        while (*p != '\0' && !sf_isspace(*p))
            ++p;
        if (*p != '\0') *p++ = '\0';
    }
    argv[argc] = nullptr;
    return argc;
}

} // namespace

extern "C" [[noreturn]] void sf_entry(const sf_boot_info* info) {
    run_constructors();
    char name[SF_NAME_MAX];
    char cmdline[SF_CMDLINE_MAX];
    char* argv[kArgvMax + 1];
    copy_string(name, info->name, sizeof name);
    argv[0] = name;
    const int argc = split_args(info->cmdline, cmdline, argv);
    sf_exit(main(argc, argv));
}
