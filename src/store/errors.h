// superfluid store: StoreError, the errors of the store's operations.
//
// They are XenStore's: on the wire an error reply carries the errno's name
// ("ENOENT"), which is what xenstore-utils and pyxs print and raise.
// SF_STORE_TRY and SF_STORE_ASSIGN pass a StoreResult's error up, as SF_TRY does.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sf::store {

enum class StoreError {
    Invalid,     // EINVAL: malformed path, value, permission string or request
    Access,      // EACCES: the caller's permissions forbid it
    Exists,      // EEXIST
    NotFound,    // ENOENT
    NoMemory,    // ENOMEM
    Quota,       // ENOSPC: a quota of the caller's domain is used up (entries, watches, transactions)
    TooBig,      // E2BIG: value or request larger than allowed
    Io,          // EIO: the back-end failed (disk full, LMDB error); nothing changed
    NotEmpty,    // ENOTEMPTY
    NoSys,       // ENOSYS: unknown or unsupported message type
    ReadOnly,    // EROFS
    Busy,        // EBUSY
    Again,       // EAGAIN: a transaction conflicted with another change and was not committed
    IsConnected, // EISCONN
    Perm,        // EPERM: only a privileged (dom0) caller may do this
};

// The errno name sent on the wire ("EINVAL").
const char* errno_name(StoreError error);

// Either a value or a StoreError with an optional detail for logs (never on the wire).
template <typename T> class [[nodiscard]] StoreResult {
  public:
    StoreResult(T value) : state_(std::move(value)) {}
    StoreResult(StoreError error) : state_(error) {}
    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    StoreError error() const { return std::get<1>(state_); }

  private:
    std::variant<T, StoreError> state_;
};

struct Done {}; // the value of an operation that returns nothing
using StoreStatus = StoreResult<Done>;

} // namespace sf::store

// Returns the error of a failed StoreResult expression from the enclosing function.
#define SF_STORE_TRY(expr)                                                                                   \
    do {                                                                                                     \
        auto sf_store_try_ = (expr);                                                                         \
        if (!sf_store_try_.ok()) return sf_store_try_.error();                                               \
    } while (0)

// Declares `decl` from the value of a StoreResult expression, or returns its error.
#define SF_STORE_ASSIGN(decl, expr) SF_STORE_ASSIGN_IMPL_(decl, expr, SF_STORE_CONCAT_(sf_store_, __LINE__))
#define SF_STORE_CONCAT_(a, b) SF_STORE_CONCAT2_(a, b)
#define SF_STORE_CONCAT2_(a, b) a##b
#define SF_STORE_ASSIGN_IMPL_(decl, expr, tmp)                                                               \
    auto tmp = (expr);                                                                                       \
    if (!tmp.ok()) return tmp.error();                                                                       \
    decl = std::move(tmp).value()
