// superfluid worker: a guest's console log file, rotated at its cap.
#include "host/worker/console_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sf::host {
namespace {

UniqueFd open_for_append(const std::string& path, int extra_flags) {
    return UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extra_flags, 0640));
}

} // namespace

Result<ConsoleLog> ConsoleLog::open(std::string path, uint64_t max_bytes) {
    UniqueFd fd = open_for_append(path, 0);
    if (!fd.valid()) return error(ErrorKind::Internal, "console log {}: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return error(ErrorKind::Internal, "console log {}: {}", path, std::strerror(errno));
    return ConsoleLog(std::move(path), std::max<uint64_t>(max_bytes, 1), std::move(fd),
                      static_cast<uint64_t>(st.st_size));
}

void ConsoleLog::append(std::string_view bytes) {
    while (!bytes.empty() && fd_.valid()) {
        if (size_ >= max_bytes_) rotate();
        const std::string_view part = bytes.substr(0, max_bytes_ - std::min(size_, max_bytes_));
        const ssize_t written = ::write(fd_.get(), part.data(), part.size());
        if (written <= 0) return; // best effort: these bytes are lost
        size_ += static_cast<uint64_t>(written);
        bytes.remove_prefix(static_cast<size_t>(written));
    }
}

void ConsoleLog::rotate() {
    const bool renamed = ::rename(path_.c_str(), (path_ + ".1").c_str()) == 0;
    fd_ = open_for_append(path_, renamed ? 0 : O_TRUNC);
    size_ = 0;
}

} // namespace sf::host
