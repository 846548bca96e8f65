// superfluid worker: ImageCache, each image parsed once and prepared once per
// memory size (a vmm::MemoryTemplate shared by all its guests).
//
// An entry is reloaded when the file changes (device, inode, size or mtime).
// Threading: get() from any thread.
#pragma once

#include "common/result.h"
#include "vmm/elf_loader.h"
#include "vmm/memory_template.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/stat.h>

namespace sf::host {

class ImageCache {
  public:
    Result<std::shared_ptr<const vmm::MemoryTemplate>> get(const std::string& path, uint64_t mem_size);
    size_t template_count() const;

  private:
    struct Entry {
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = 0;
        timespec mtime{};
        std::shared_ptr<const vmm::Image> image;
        std::map<uint64_t, std::shared_ptr<const vmm::MemoryTemplate>> templates; // by memory size
    };
    Result<Entry*> entry_for(const std::string& path);

    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

} // namespace sf::host
