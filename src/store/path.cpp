// superfluid store: path resolution and checks (XenStore's rules).
#include "store/path.h"

#include <fmt/format.h>

namespace sf::store {
namespace {

bool is_path_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '@' || c == '.' || c == '-';
}

// Checks a canonical absolute candidate: "/" or "/c1/c2" with valid components.
bool is_valid_absolute(std::string_view path) {
    if (path.empty() || path.front() != '/' || path.size() > kMaxAbsolutePath) return false;
    if (path == "/") return true;
    size_t depth = 0;
    size_t component_length = 0;
    for (size_t i = 1; i < path.size(); ++i) {
        char c = path[i];
        if (c == '/') {
            if (component_length == 0) return false; // "//"
            ++depth;
            component_length = 0;
        } else if (is_path_char(c)) {
            ++component_length;
        } else {
            return false;
        }
    }
    if (component_length == 0) return false; // trailing slash
    return depth + 1 <= kMaxDepth;
}

} // namespace

std::string domain_path(DomainId domid) {
    return fmt::format("/local/domain/{}", domid);
}

StoreResult<std::string> resolve_path(std::string_view path, DomainId domid, bool allow_special) {
    if (path.empty()) return StoreError::Invalid;
    if (path.front() == '@') {
        if (allow_special && (path == kIntroduceDomain || path == kReleaseDomain)) return std::string(path);
        return StoreError::Invalid;
    }
    std::string resolved;
    if (path.front() == '/') {
        resolved = std::string(path);
    } else {
        if (path.size() > kMaxRelativePath) return StoreError::Invalid;
        resolved = child_path(domain_path(domid), path);
    }
    if (!is_valid_absolute(resolved)) return StoreError::Invalid;
    return resolved;
}

std::string_view parent_of(std::string_view canonical) {
    size_t slash = canonical.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return "/";
    return canonical.substr(0, slash);
}

std::string_view basename_of(std::string_view canonical) {
    size_t slash = canonical.rfind('/');
    if (slash == std::string_view::npos) return canonical;
    return canonical.substr(slash + 1);
}

bool is_at_or_below(std::string_view path, std::string_view ancestor) {
    if (ancestor == "/") return !path.empty() && path.front() == '/';
    if (path.size() < ancestor.size() || path.substr(0, ancestor.size()) != ancestor) return false;
    return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

std::string child_path(std::string_view parent, std::string_view name) {
    std::string path(parent);
    if (path.empty() || path.back() != '/') path += '/';
    path += name;
    return path;
}

} // namespace sf::store
