// superfluid guest runtime: the store wrappers (guest-only; sf/hypercall.h).
//
// Each wrapper fills one sf_hc_store on the stack and issues one `out`.
#include "sf/hypercall.h"
#include "sf/string.h"

namespace {

struct StoreArgs {
    uint32_t op;
    const char* path;
    const void* value;
    size_t value_len;
};

// One SF_HC_STORE; *answer_len (if given) receives the OUT value_len.
int64_t store_call(const StoreArgs& a, uint32_t* answer_len = nullptr) {
    const size_t path_len = a.path == nullptr ? 0 : sf_strlen(a.path);
    if (path_len > SF_STORE_PATH_MAX || a.value_len > UINT32_MAX)
        return -SF_EINVAL; // the monitor would end us
    sf_hc_store hc{a.op,
                   0,
                   reinterpret_cast<uintptr_t>(a.path),
                   static_cast<uint32_t>(path_len),
                   static_cast<uint32_t>(a.value_len),
                   reinterpret_cast<uintptr_t>(a.value)};
    sf_hypercall(SF_HC_STORE, &hc);
    if (answer_len != nullptr) *answer_len = hc.value_len;
    return hc.ret;
}

} // namespace

extern "C" {

int64_t sf_store_read(const char* path, char* buf, size_t size) {
    if (size == 0) return -SF_ERANGE;
    uint32_t len = 0;
    const int64_t ret = store_call({SF_STORE_READ, path, buf, size - 1}, &len);
    if (ret < 0) return ret;
    buf[len] = '\0';
    return len;
}

int64_t sf_store_write_bytes(const char* path, const void* value, size_t len) {
    if (len > SF_STORE_VALUE_MAX) return -SF_E2BIG; // the monitor would end us
    return store_call({SF_STORE_WRITE, path, value, len});
}

int64_t sf_store_write(const char* path, const char* value) {
    return sf_store_write_bytes(path, value, sf_strlen(value));
}

int64_t sf_store_rm(const char* path) {
    return store_call({SF_STORE_RM, path, nullptr, 0});
}

int64_t sf_store_list(const char* path, char* buf, size_t size) {
    uint32_t len = 0;
    const int64_t ret = store_call({SF_STORE_LIST, path, buf, size}, &len);
    return ret < 0 ? ret : len;
}

int64_t sf_store_watch(const char* path, const char* token) {
    const size_t len = sf_strlen(token);
    if (len > SF_STORE_VALUE_MAX) return -SF_E2BIG;
    return store_call({SF_STORE_WATCH, path, token, len});
}

int64_t sf_store_unwatch(const char* path, const char* token) {
    const size_t len = sf_strlen(token);
    if (len > SF_STORE_VALUE_MAX) return -SF_E2BIG;
    return store_call({SF_STORE_UNWATCH, path, token, len});
}

int64_t sf_store_next_event(char* buf, size_t size, const char** path, const char** token) {
    uint32_t len = 0;
    const int64_t ret = store_call({SF_STORE_NEXT_EVENT, nullptr, buf, size}, &len);
    if (ret < 0) return ret;
    // "PATH\0TOKEN\0" from the monitor; make sure of both terminators anyway.
    if (len < 2 || buf[len - 1] != '\0') return -SF_EIO;
    const size_t path_len = sf_strnlen(buf, len); // < len: buf[len - 1] is NUL
    if (path != nullptr) *path = buf;
    if (token != nullptr) *token = path_len + 1 < len ? buf + path_len + 1 : buf + len - 1;
    return len;
}

const char* sf_error_name(int64_t error) {
    switch (error < 0 ? -error : error) {
    case SF_EPERM: return "EPERM";
    case SF_ENOENT: return "ENOENT";
    case SF_EIO: return "EIO";
    case SF_E2BIG: return "E2BIG";
    case SF_EAGAIN: return "EAGAIN";
    case SF_ENOMEM: return "ENOMEM";
    case SF_EACCES: return "EACCES";
    case SF_EBUSY: return "EBUSY";
    case SF_EEXIST: return "EEXIST";
    case SF_ENODEV: return "ENODEV";
    case SF_EINVAL: return "EINVAL";
    case SF_ENOSPC: return "ENOSPC";
    case SF_ERANGE: return "ERANGE";
    case SF_ENOSYS: return "ENOSYS";
    default: return "E?";
    }
}

} // extern "C"
