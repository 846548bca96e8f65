// sf-bench boot --via-sfd; see boot_via_sfd.h.
#include "bench/boot/boot_via_sfd.h"

#include <fmt/format.h>

namespace sf::bench {

SfdBooter::SfdBooter(std::unique_ptr<SfdProcess> sfd, std::string image)
    : sfd_(std::move(sfd)), client_(std::make_unique<SfdClient>(sfd_->socket_path())),
      image_(std::move(image)) {}

Result<std::unique_ptr<SfdBooter>> SfdBooter::start(const std::string& sfd, const std::string& backend,
                                                    const std::string& image) {
    SF_TRY_ASSIGN(std::unique_ptr<SfdProcess> process, SfdProcess::start(sfd, {"--backend", backend}));
    SF_TRY(process->wait_ready(std::chrono::seconds(10)));
    return std::unique_ptr<SfdBooter>(new SfdBooter(std::move(process), image));
}

Result<void> SfdBooter::boot(std::vector<double>& request_ms, std::vector<double>& first_output_ms,
                             bool record) {
    GuestRequest request;
    request.name = fmt::format("boot-{}", ++next_);
    request.image = image_;
    request.mem = "4M";
    SF_TRY_ASSIGN(CreatedGuest guest, client_->create_guest(request));
    SF_TRY(client_->destroy_guest(guest.id));
    if (!guest.first_output_ms) return error("sfd reported no first_output_ms for {}", request.name);
    if (record) {
        request_ms.push_back(guest.client_ms);
        first_output_ms.push_back(*guest.first_output_ms);
    }
    return ok();
}

std::string SfdBooter::stop() {
    const std::string ended = sfd_->stop();
    return sfd_->exited_cleanly() ? "" : fmt::format("sfd {}\n{}", ended, sfd_->log_tail(10));
}

} // namespace sf::bench
