// sf-bench boot --via-sfd: the same guest created through a running sfd, as
// a user gets it: POST /v1/guests with wait=output to an sfd started for the
// run (its shell pool warm: sfd pre-creates shells at start and refills them
// between requests), then DELETE, not timed.
//
// Threading: one thread at a time.
#pragma once

#include "bench/common/sfd_client.h"
#include "bench/common/sfd_process.h"
#include "common/result.h"

#include <memory>
#include <string>
#include <vector>

namespace sf::bench {

class SfdBooter {
  public:
    // Starts `sfd` (its --backend `backend`) on a private socket and waits until it answers.
    static Result<std::unique_ptr<SfdBooter>> start(const std::string& sfd, const std::string& backend,
                                                    const std::string& image);
    // One create and destroy; appends the request's wall time and sfd's
    // first_output_ms (ms) when `record`. A create without output is an error.
    Result<void> boot(std::vector<double>& request_ms, std::vector<double>& first_output_ms, bool record);
    // Stops sfd; "" when it ended cleanly, else how it ended and its log's tail.
    std::string stop();

  private:
    SfdBooter(std::unique_ptr<SfdProcess> sfd, std::string image);

    std::unique_ptr<SfdProcess> sfd_;
    std::unique_ptr<SfdClient> client_;
    std::string image_;
    int next_ = 0;
};

} // namespace sf::bench
