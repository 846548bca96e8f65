// superfluid sample guest: storecheck, the store hypercalls from a guest.
//
// Usage: storecheck COMMAND... where each command is one of
//   read KEY            store read KEY: ok "VALUE"      | store read KEY: ENOENT
//   write KEY VALUE     store write KEY: ok             | store write KEY: EACCES
//   rm KEY              store rm KEY: ok
//   list KEY            store list KEY: ok NAME NAME...
//   watch KEY [N]       store watch KEY: ok, then N events (default 2: the
//                       one a new watch fires, then one change), each as
//                       "store event PATH TOKEN", or "store watch KEY: timeout
//                       after M events" when 10 s pass first
//   flood N             writes data/k0, data/k1, ... (N at most) until one fails:
//                       "store flood: M written, then ENOSPC" or "store flood: M written"
//   escape PATH         reads and writes PATH, a path outside its home, and
//                       prints both results (store read PATH: EACCES, ...)
// Keys are relative to /local/domain/<id> or absolute. Commands run in order;
// it prints "storecheck: done" and exits 0 (2 on a usage error). Without a
// store every command prints ENODEV. The lead's end-to-end tests parse this.
#include "sf/hypercall.h"
#include "sf/libc.h"
#include "sf/strtol.h"

namespace {

constexpr uint64_t kWatchWaitNs = 10000000000ull; // 10 s
char buf[SF_STORE_VALUE_MAX + 1];

bool report(const char* op, const char* key, int64_t ret) {
    static bool hinted = false;
    if (ret < 0) printf("store %s %s: %s\n", op, key, sf_error_name(ret));
    if (ret == -SF_ENODEV && !hinted) printf("storecheck: this guest has no store (run it under sfd)\n");
    hinted = hinted || ret == -SF_ENODEV;
    return ret >= 0;
}

void do_read(const char* key) {
    const int64_t n = sf_store_read(key, buf, sizeof buf);
    if (report("read", key, n)) printf("store read %s: ok \"%s\"\n", key, buf);
}

void do_write(const char* key, const char* value) {
    if (report("write", key, sf_store_write(key, value))) printf("store write %s: ok\n", key);
}

void do_rm(const char* key) {
    if (report("rm", key, sf_store_rm(key))) printf("store rm %s: ok\n", key);
}

void do_list(const char* key) {
    const int64_t n = sf_store_list(key, buf, sizeof buf);
    if (!report("list", key, n)) return;
    printf("store list %s: ok", key);
    for (int64_t i = 0; i < n; i += static_cast<int64_t>(strlen(buf + i)) + 1)
        printf(" %s", buf + i);
    printf("\n");
}

void do_watch(const char* key, unsigned long want) {
    if (!report("watch", key, sf_store_watch(key, "storecheck"))) return;
    printf("store watch %s: ok\n", key);
    const uint64_t deadline = sf_monotonic_ns() + kWatchWaitNs;
    unsigned long seen = 0;
    while (seen < want) {
        const char *path = nullptr, *token = nullptr;
        const int64_t n = sf_store_next_event(buf, sizeof buf, &path, &token);
        if (n >= 0) {
            printf("store event %s %s\n", path, token);
            ++seen;
        } else if (n != -SF_EAGAIN) {
            report("event", key, n);
            return;
        } else if (sf_monotonic_ns() >= deadline) {
            printf("store watch %s: timeout after %lu events\n", key, seen);
            return;
        } else {
            sf_poll(deadline); // woken by SF_POLL_STORE, or the deadline
        }
    }
}

void do_flood(unsigned long count) {
    unsigned long written = 0;
    int64_t ret = 0;
    for (; written < count; ++written) {
        char key[32];
        snprintf(key, sizeof key, "data/k%lu", written);
        if ((ret = sf_store_write(key, "flood")) < 0) break;
    }
    if (ret < 0)
        printf("store flood: %lu written, then %s\n", written, sf_error_name(ret));
    else
        printf("store flood: %lu written\n", written);
}

void do_escape(const char* path) {
    const int64_t n = sf_store_read(path, buf, sizeof buf);
    if (report("read", path, n)) printf("store read %s: ok \"%s\"\n", path, buf);
    do_write(path, "escaped");
}

[[noreturn]] void usage(const char* why) {
    printf(
        "storecheck: %s\nusage: storecheck {read KEY | write KEY VALUE | rm KEY | list KEY | watch KEY [N] | "
        "flood N | escape PATH}...\n",
        why);
    sf_exit(2);
}

// Runs the command at argv[i]; returns the index of the next one.
int run(int argc, char** argv, int i) {
    const char* cmd = argv[i];
    auto arg = [&](int k) -> const char* {
        if (i + k >= argc) usage("missing argument");
        return argv[i + k];
    };
    unsigned long n = 0;
    if (strcmp(cmd, "read") == 0) return do_read(arg(1)), i + 2;
    if (strcmp(cmd, "write") == 0) return do_write(arg(1), arg(2)), i + 3;
    if (strcmp(cmd, "rm") == 0) return do_rm(arg(1)), i + 2;
    if (strcmp(cmd, "list") == 0) return do_list(arg(1)), i + 2;
    if (strcmp(cmd, "escape") == 0) return do_escape(arg(1)), i + 2;
    if (strcmp(cmd, "flood") == 0) {
        if (!sf_parse_ulong(arg(1), 1000000, &n)) usage("flood needs a count");
        return do_flood(n), i + 2;
    }
    if (strcmp(cmd, "watch") == 0) {
        const bool counted = i + 2 < argc && sf_parse_ulong(argv[i + 2], 64, &n);
        do_watch(arg(1), counted ? n : 2);
        return i + (counted ? 3 : 2);
    }
    usage("unknown command");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("no command");
    for (int i = 1; i < argc;)
        i = run(argc, argv, i);
    printf("storecheck: done\n");
    return 0;
}
