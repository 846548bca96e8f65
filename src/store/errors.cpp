// superfluid store: errno names of StoreError.
#include "store/errors.h"

namespace sf::store {

const char* errno_name(StoreError error) {
    switch (error) {
    case StoreError::Invalid: return "EINVAL";
    case StoreError::Access: return "EACCES";
    case StoreError::Exists: return "EEXIST";
    case StoreError::NotFound: return "ENOENT";
    case StoreError::NoMemory: return "ENOMEM";
    case StoreError::Quota: return "ENOSPC";
    case StoreError::TooBig: return "E2BIG";
    case StoreError::Io: return "EIO";
    case StoreError::NotEmpty: return "ENOTEMPTY";
    case StoreError::NoSys: return "ENOSYS";
    case StoreError::ReadOnly: return "EROFS";
    case StoreError::Busy: return "EBUSY";
    case StoreError::Again: return "EAGAIN";
    case StoreError::IsConnected: return "EISCONN";
    case StoreError::Perm: return "EPERM";
    }
    return "EINVAL";
}

} // namespace sf::store
