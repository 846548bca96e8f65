// superfluid common: paths of the project's programs relative to the running
// one (build/bin/sfd finds build/bin/sf-worker, sf-bench finds build/guests/).
#pragma once

#include <filesystem>
#include <string>

namespace sf {

// `relative` resolved against this executable's directory; `relative` itself
// when /proc/self/exe cannot be read.
inline std::filesystem::path beside_executable(const std::string& relative) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path(relative) : (exe.parent_path() / relative).lexically_normal();
}

} // namespace sf
