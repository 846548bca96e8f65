// libFuzzer target: the body of POST /v1/guests (sfd's API request parser).
// Any input must give a CreateRequest or one InvalidArgument error, never a
// crash; an accepted request must satisfy what the parser promises.
#include "host/create_request_parser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    sf::Result<sf::host::CreateRequest> request = sf::host::parse_create_request(body);
    if (!request) {
        if (request.error().kind != sf::ErrorKind::InvalidArgument || request.error().message.empty()) std::abort();
        if (request.error().message.find('\n') != std::string::npos) std::abort(); // one line
        return 0;
    }
    if (request->image.empty() || request->cmdline.size() > sf::host::kMaxCmdlineBytes) std::abort();
    if (!request->name.empty() && !sf::host::check_guest_name(request->name)) std::abort();
    return 0;
}
