// superfluid store: the XenStore request dispatcher.
//
// Turns one request message into Store calls and encodes the reply, with
// the payload formats of xenstored and libxenstore (Xen 4.17):
//   READ         "path\0"              -> the raw value (no NUL added)
//   WRITE        "path\0" + value      -> "OK\0" (value: the rest, any bytes)
//   MKDIR, RM    "path\0"              -> "OK\0"
//   DIRECTORY    "path\0"              -> each child name NUL-terminated ("" when none);
//                                         E2BIG when that exceeds kPayloadMax
//   DIRECTORY_PART "path\0offset\0"    -> "<gen>\0" + names from byte `offset`
//                                         of the DIRECTORY list, plus one extra
//                                         "\0" when the list ends; <gen> changes
//                                         when the list does (a hash of it)
//   GET_PERMS    "path\0"              -> each entry NUL-terminated ("n0\0r5\0")
//   SET_PERMS    "path\0perm\0..."     -> "OK\0"
//   WATCH, UNWATCH "path\0token\0"     -> "OK\0" (the header's tx_id is ignored)
//   TRANSACTION_START (payload ignored, tx_id must be 0) -> "<id>\0"
//   TRANSACTION_END "T\0" commit / "F\0" abort, tx_id in the header -> "OK\0"
//   GET_DOMAIN_PATH "<domid>\0"        -> "/local/domain/<domid>\0"
//   INTRODUCE    "<domid>\0<mfn>\0<port>\0" -> "OK\0"
//   RELEASE, RESUME "<domid>\0"        -> "OK\0"
//   IS_DOMAIN_INTRODUCED "<domid>\0"   -> "T\0" / "F\0"
//   RESET_WATCHES                      -> "OK\0"
// Arguments must be exactly the NUL-terminated strings listed (EINVAL
// otherwise). CONTROL, SET_TARGET, WATCH_EVENT, ERROR and unknown types get
// ENOSYS. Any Store error goes back as its errno name.
//
// Threading: as Store's (any thread). The dispatcher keeps no state: sfd
// uses it for guests' store hypercalls with the guest's (unprivileged)
// connection, the socket server for its clients.
#pragma once

#include "store/store.h"
#include "store/wire.h"

#include <string>
#include <string_view>

namespace sf::store {

// Handles one request of connection `c` and returns the whole reply message
// (header + payload), whose payload is at most wire::kPayloadMax.
std::string dispatch(Store& store, ConnectionId c, const wire::Header& request, std::string_view payload);

// The same, appending the reply to `out` (the server's output buffer).
void dispatch_into(std::string& out, Store& store, ConnectionId c, const wire::Header& request,
                   std::string_view payload);

} // namespace sf::store
