// superfluid common: Result<T>, the error type of every host path.
//
// A Result holds either a value or an Error (a one-line, human-readable
// message). Functions that can fail return [[nodiscard]] Result<T>; callers
// propagate with SF_TRY / SF_TRY_ASSIGN instead of exceptions, so nothing
// throws across a vCPU loop or an event loop.
#pragma once

#include <fmt/format.h>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sf {

// What kind of failure an Error is; an API maps it to a status code.
enum class ErrorKind {
    Internal,          // a host failure (500)
    InvalidArgument,   // the request is malformed or out of range (400)
    NotFound,          // no such object (404)
    Conflict,          // the object's state or name forbids it (409)
    ResourceExhausted, // not enough host memory or capacity for it (409)
    Unavailable,       // a component is down (503)
    PermissionDenied,  // this host's configuration does not allow it (403)
    Closed,            // the peer closed the connection (a worker or a store client went away; 503)
};

struct Error {
    std::string message;
    ErrorKind kind = ErrorKind::Internal;
};

// Builds an Error from a fmt format string.
template <typename... Args> Error error(fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...)};
}

// Builds an Error of a given kind.
template <typename... Args> Error error(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
    return Error{fmt::format(format, std::forward<Args>(args)...), kind};
}

template <typename T> class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error err) : state_(std::move(err)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

    const Error& error() const& {
        assert(!ok());
        return std::get<1>(state_);
    }
    Error&& error() && {
        assert(!ok());
        return std::get<1>(std::move(state_));
    }

  private:
    std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <> class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error err) : error_(std::move(err)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& {
        assert(!ok_);
        return error_;
    }
    Error&& error() && {
        assert(!ok_);
        return std::move(error_);
    }

  private:
    Error error_;
    bool ok_ = true;
};

inline Result<void> ok() {
    return {};
}

} // namespace sf

// Returns the error of a failed Result<void> expression from the enclosing function.
#define SF_TRY(expr)                                                                                         \
    do {                                                                                                     \
        auto sf_try_result_ = (expr);                                                                        \
        if (!sf_try_result_.ok()) return std::move(sf_try_result_).error();                                  \
    } while (0)

// Declares `decl` from the value of a Result expression, or returns its error.
#define SF_TRY_ASSIGN(decl, expr) SF_TRY_ASSIGN_IMPL_(decl, expr, SF_CONCAT_(sf_try_, __LINE__))
#define SF_CONCAT_(a, b) SF_CONCAT2_(a, b)
#define SF_CONCAT2_(a, b) a##b
#define SF_TRY_ASSIGN_IMPL_(decl, expr, tmp)                                                                 \
    auto tmp = (expr);                                                                                       \
    if (!tmp.ok()) return std::move(tmp).error();                                                            \
    decl = std::move(tmp).value()
