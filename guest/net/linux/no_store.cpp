// superfluid Linux builds: the store calls of sf/hypercall.h that the samples
// make, for programs that have no store: each answers -SF_ENODEV, as a guest
// run without a store (sfctl run) is answered. httpd then serves its built-in page.
#include "sf/hypercall.h"

extern "C" {

int64_t sf_store_read(const char*, char*, size_t) {
    return -SF_ENODEV;
}

int64_t sf_store_watch(const char*, const char*) {
    return -SF_ENODEV;
}

int64_t sf_store_next_event(char*, size_t, const char**, const char**) {
    return -SF_ENODEV;
}

} // extern "C"
