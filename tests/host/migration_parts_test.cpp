// Unit tests of sfd's migration parts that need no KVM and no peer: the
// token's derived secrets, endpoints, the Host and Commit records'
// JSON, and the gratuitous ARP a destination sends.
#include "host/migration/guest_description.h"
#include "host/migration/migration_token.h"
#include "host/migration/tcp_endpoint.h"
#include "net/arp_responder.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace sf::host {
namespace {

// Every secret of a connection depends on the token and on every byte of
// the transcript (both nonces, both roles); the proofs of the two roles and
// the keys of the two directions differ; the token's text is in none of them.
TEST(MigrationToken, DerivesPerConnectionSecretsBoundToTokenAndTranscript) {
    auto token = MigrationToken::from_text("0123456789abcdef-secret");
    ASSERT_TRUE(token) << token.error().message;
    auto other = MigrationToken::from_text("0123456789abcdef-secreT");
    ASSERT_TRUE(other);
    std::array<uint8_t, 96> transcript{};
    random_bytes(transcript);
    const SessionSecrets a = token->derive(transcript);
    const SessionSecrets again = token->derive(transcript);
    EXPECT_EQ(a.sender_proof, again.sender_proof);
    EXPECT_EQ(a.receiver_to_sender.key, again.receiver_to_sender.key);
    EXPECT_NE(a.sender_proof, a.receiver_proof);
    EXPECT_NE(a.sender_to_receiver.key, a.receiver_to_sender.key);
    EXPECT_NE(a.sender_to_receiver.iv, a.receiver_to_sender.iv);
    EXPECT_NE(other->derive(transcript).sender_proof, a.sender_proof);
    for (size_t byte : {size_t{16}, size_t{47}, size_t{64}, size_t{95}}) { // a nonce of each side
        auto changed = transcript;
        changed[byte] ^= 1;
        EXPECT_NE(token->derive(changed).sender_proof, a.sender_proof) << byte;
        EXPECT_NE(token->derive(changed).receiver_proof, a.receiver_proof) << byte;
        EXPECT_NE(token->derive(changed).sender_to_receiver.key, a.sender_to_receiver.key) << byte;
    }
    const std::string bytes(reinterpret_cast<const char*>(&a), sizeof a);
    EXPECT_EQ(bytes.find("secret"), std::string::npos);
}

TEST(MigrationToken, RefusesShortTokensAndFilesOthersCanRead) {
    EXPECT_FALSE(MigrationToken::from_text("short"));
    char dir[] = "/tmp/sf-token-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::string path = std::string(dir) + "/token";
    std::ofstream(path) << "a-long-enough-shared-secret\n";
    ::chmod(path.c_str(), 0644);
    auto loose = MigrationToken::load(path);
    ASSERT_FALSE(loose);
    EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos) << loose.error().message;
    ::chmod(path.c_str(), 0600);
    auto loaded = MigrationToken::load(path);
    ASSERT_TRUE(loaded) << loaded.error().message;
    auto same = MigrationToken::from_text("a-long-enough-shared-secret");
    const uint8_t transcript[] = {'n'};
    EXPECT_EQ(same->derive(transcript).sender_proof, loaded->derive(transcript).sender_proof)
        << "the newline is not part of the token";
    EXPECT_FALSE(MigrationToken::load(std::string(dir) + "/missing"));
    std::ofstream(path, std::ios::trunc) << "";
    EXPECT_FALSE(MigrationToken::load(path));
    std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(TcpEndpoint, ParsesHostAndPort) {
    auto plain = TcpEndpoint::parse("10.99.0.2");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->host, "10.99.0.2");
    EXPECT_EQ(plain->port, TcpEndpoint::kDefaultMigrationPort);
    auto with_port = TcpEndpoint::parse("edge-1:9000");
    ASSERT_TRUE(with_port);
    EXPECT_EQ(with_port->host, "edge-1");
    EXPECT_EQ(with_port->port, 9000);
    EXPECT_EQ(with_port->to_string(), "edge-1:9000");
    for (const char* bad : {"", ":7440", "h:", "h:0", "h:65536", "h:x", "h:12ab"})
        EXPECT_FALSE(TcpEndpoint::parse(bad)) << bad;
}

TEST(TcpEndpoint, ConnectingToNothingFailsFast) {
    auto listener = TcpEndpoint{"127.0.0.1", 0}.listen();
    ASSERT_TRUE(listener) << listener.error().message;
    auto port = bound_port(listener->get());
    ASSERT_TRUE(port);
    EXPECT_TRUE(TcpEndpoint({"127.0.0.1", *port}).connect(std::chrono::milliseconds(500)));
    listener->reset();
    auto refused = TcpEndpoint({"127.0.0.1", *port}).connect(std::chrono::milliseconds(500));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::Unavailable);
}

TEST(GuestDescription, RoundTripsAndNamesWhatIsMissing) {
    GuestDescription d;
    d.name = "kv";
    d.image = "/images/kvcount";
    d.mem_size = 4u << 20;
    d.cmdline = "x=1";
    d.store = true;
    d.paused = true;
    d.source_id = 7;
    d.nic = DescribedNic{"edge", "10.77.0.0/24", "02:00:00:00:00:05", "10.77.0.5"};
    auto back = GuestDescription::from_json(d.to_json());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->name, "kv");
    EXPECT_EQ(back->mem_size, 4u << 20);
    EXPECT_TRUE(back->store);
    EXPECT_TRUE(back->paused);
    EXPECT_EQ(back->source_id, 7u);
    ASSERT_TRUE(back->nic);
    EXPECT_EQ(back->nic->ip, "10.77.0.5");
    EXPECT_EQ(back->nic->subnet, "10.77.0.0/24");

    nlohmann::json no_mem = d.to_json();
    no_mem.erase("mem");
    auto missing = GuestDescription::from_json(no_mem);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("mem"), std::string::npos);
    nlohmann::json bad_nic = d.to_json();
    bad_nic["nic"].erase("mac");
    EXPECT_FALSE(GuestDescription::from_json(bad_nic));
    nlohmann::json wrong_type = d.to_json();
    wrong_type["store"] = "yes";
    EXPECT_TRUE(GuestDescription::from_json(wrong_type)); // a non-boolean reads as false, never throws
    EXPECT_FALSE(GuestDescription::from_json(nlohmann::json::array()));
}

TEST(CommitRecord, CarriesTheDataSubtree) {
    std::vector<DataEntry> entries = {{"page", "<h1>hi</h1>"}, {"a", ""}, {"a/b", "1"}};
    auto back = data_from_json(data_to_json(entries));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 3u);
    EXPECT_EQ((*back)[2].path, "a/b");
    EXPECT_EQ((*back)[0].value, "<h1>hi</h1>");
    EXPECT_FALSE(data_from_json({{"data", {{"only-path"}}}}));
    EXPECT_FALSE(data_from_json({{"data", "x"}}));
    EXPECT_FALSE(data_from_json(nlohmann::json::object()));
    nlohmann::json many = {{"data", nlohmann::json::array()}};
    for (size_t i = 0; i <= GuestStore::kDataEntriesMax; ++i)
        many["data"].push_back({std::to_string(i), "v"});
    EXPECT_FALSE(data_from_json(many));
}

TEST(GratuitousArp, AnnouncesTheAddressFromItsOwnMac) {
    auto mac = net::MacAddress::parse("02:11:22:33:44:55");
    auto ip = net::Ipv4Address::parse("10.77.0.9");
    ASSERT_TRUE(mac && ip);
    const auto frame = net::gratuitous_arp(*mac, *ip);
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(frame[static_cast<size_t>(i)], 0xff); // broadcast
    EXPECT_EQ(0, std::memcmp(&frame[6], mac->bytes().data(), 6));
    EXPECT_EQ(frame[12], 0x08);
    EXPECT_EQ(frame[13], 0x06);
    EXPECT_EQ(frame[21], 1); // request
    EXPECT_EQ(0, std::memcmp(&frame[22], mac->bytes().data(), 6));
    const uint8_t address[4] = {10, 77, 0, 9};
    EXPECT_EQ(0, std::memcmp(&frame[28], address, 4)); // sender IP
    EXPECT_EQ(0, std::memcmp(&frame[38], address, 4)); // target IP = sender: an announcement
    // The switch's own ARP responder must not answer it (it is not a question).
    net::ArpResponder responder;
    responder.add(*ip, *mac);
    EXPECT_FALSE(responder.answer(frame));
}

} // namespace
} // namespace sf::host
