// superfluid worker: the image and template cache.
#include "host/worker/image_cache.h"

#include <cerrno>
#include <cstring>

namespace sf::host {
namespace {

bool same_file(const struct stat& st, dev_t dev, ino_t ino, off_t size, const timespec& mtime) {
    return st.st_dev == dev && st.st_ino == ino && st.st_size == size && st.st_mtim.tv_sec == mtime.tv_sec &&
           st.st_mtim.tv_nsec == mtime.tv_nsec;
}

} // namespace

Result<ImageCache::Entry*> ImageCache::entry_for(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0)
        return error(ErrorKind::InvalidArgument, "{}: cannot open: {}", path, std::strerror(errno));
    auto it = entries_.find(path);
    if (it != entries_.end() &&
        same_file(st, it->second.dev, it->second.ino, it->second.size, it->second.mtime))
        return &it->second;
    Result<vmm::Image> image = vmm::Image::load_file(path);
    if (!image) return error(ErrorKind::InvalidArgument, "{}", image.error().message);
    Entry& entry = entries_[path];
    entry = Entry{
        st.st_dev, st.st_ino, st.st_size, st.st_mtim, std::make_shared<const vmm::Image>(std::move(*image)),
        {}};
    return &entry;
}

Result<std::shared_ptr<const vmm::MemoryTemplate>> ImageCache::get(const std::string& path,
                                                                   uint64_t mem_size) {
    std::lock_guard lock(mutex_);
    SF_TRY_ASSIGN(Entry * entry, entry_for(path));
    auto it = entry->templates.find(mem_size);
    if (it != entry->templates.end()) return it->second;
    auto created = vmm::MemoryTemplate::create(*entry->image, mem_size);
    if (!created) return error(ErrorKind::InvalidArgument, "{}", created.error().message);
    entry->templates.emplace(mem_size, *created);
    return *created;
}

size_t ImageCache::template_count() const {
    std::lock_guard lock(mutex_);
    size_t count = 0;
    for (const auto& [path, entry] : entries_)
        count += entry.templates.size();
    return count;
}

} // namespace sf::host
