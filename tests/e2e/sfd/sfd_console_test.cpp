// End-to-end: a console follower against the real sfd. One that reads slower
// than its guest writes costs sfd at most its backlog (ConsoleBacklog), and
// its stream says how many bytes it lost, where.
#include "sfd_fixture.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <thread>

using sf::test::guest_image;
using sf::test::Sfd;
using json = nlohmann::json;

namespace {

// A connection to sfd's unix socket with a small receive buffer, read only
// when the test says so: a follower too slow for its guest.
class SlowClient {
  public:
    explicit SlowClient(const std::string& socket) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        const int small = 4096;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, socket.c_str(), sizeof address.sun_path - 1);
        connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }
    ~SlowClient() { ::close(fd_); }
    SlowClient(const SlowClient&) = delete;
    SlowClient& operator=(const SlowClient&) = delete;

    bool send(const std::string& text) {
        return connected_ && ::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    }
    // Reads until `until` is in what was read, or the peer closes, or `timeout` passes.
    std::string read(std::chrono::seconds timeout, const std::string& until = {}) {
        const auto give_up = std::chrono::steady_clock::now() + timeout;
        char buffer[65536];
        while (std::chrono::steady_clock::now() < give_up) {
            if (!until.empty() && received_.find(until) != std::string::npos) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t n = ::read(fd_, buffer, sizeof buffer);
            if (n <= 0) break;
            received_.append(buffer, static_cast<size_t>(n));
        }
        return received_;
    }

  private:
    int fd_;
    bool connected_ = false;
    std::string received_;
};

// The body of a chunked HTTP response (empty if malformed).
std::string dechunk(const std::string& response) {
    size_t at = response.find("\r\n\r\n");
    if (at == std::string::npos) return {};
    at += 4;
    std::string body;
    for (;;) {
        const size_t eol = response.find("\r\n", at);
        if (eol == std::string::npos) return body;
        const size_t size = std::stoul(response.substr(at, eol - at), nullptr, 16);
        if (size == 0) return body;
        body.append(response, eol + 2, size);
        at = eol + 2 + size + 2;
    }
}

uint64_t host_dropped(Sfd& sfd) {
    return sfd.get("/v1/host").json().value("console_bytes_dropped", uint64_t{0});
}

} // namespace

TEST(SfdConsole, ASlowFollowerLosesTheOldestBytesAndIsToldHowMany) {
    SF_SFD_REQUIRE_KVM();
    Sfd sfd({"--workers", "1"});
    ASSERT_EQ(sfd.create({{"image", guest_image("chatter")},
                          {"name", "chatty"},
                          {"cmdline", "20000"},
                          {"start", false}})
                  .status,
              201);
    SlowClient follower(sfd.socket());
    ASSERT_TRUE(
        follower.send("GET /v1/guests/chatty/console HTTP/1.1\r\nHost: sfd\r\nConnection: close\r\n\r\n"));
    ASSERT_NE(follower.read(std::chrono::seconds(10), "\r\n\r\n").find("200"), std::string::npos);
    ASSERT_EQ(sfd.post("/v1/guests/chatty/start").status, 200);
    // 20 MiB of lines: the follower reads nothing until sfd has dropped some
    // (within sfd's 5 s write timeout, after which it would give up on it).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (host_dropped(sfd) == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GT(host_dropped(sfd), 0u) << "sfd held everything for a follower that read nothing; the guest: "
                                     << sfd.get("/v1/guests/chatty").body;
    const std::string body = dechunk(follower.read(std::chrono::seconds(120)));
    ASSERT_FALSE(body.empty());
    const std::regex marker(R"(\[sfd: (\d+) bytes dropped\]\n)");
    uint64_t told = 0;
    int markers = 0;
    for (auto it = std::sregex_iterator(body.begin(), body.end(), marker); it != std::sregex_iterator();
         ++it) {
        told += std::stoull((*it)[1].str());
        ++markers;
        EXPECT_TRUE(it->position() == 0 || body[static_cast<size_t>(it->position()) - 1] == '\n')
            << "the marker is a line of its own";
    }
    EXPECT_GT(markers, 0) << "the stream does not say that bytes were dropped";
    EXPECT_EQ(told, host_dropped(sfd)) << "every dropped byte is told to the follower";
    const std::string last = "line 20000/20000 ";
    EXPECT_NE(body.find(last), std::string::npos)
        << "the newest bytes are kept: " << body.substr(body.size() - 200);
}
