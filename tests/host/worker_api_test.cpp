// The typed sfd <-> worker operations (host/worker_api.h): what one side
// encodes the other decodes to the same values, and malformed payloads are
// refused with an error naming what is wrong.
#include "host/worker_api.h"

#include <gtest/gtest.h>

using namespace sf;
namespace api = sf::host::worker_api;

TEST(WorkerApi, OpNamesRoundTrip) {
    for (size_t i = 0; i < api::kOpCount; ++i) {
        const auto op = static_cast<api::Op>(i);
        EXPECT_EQ(api::parse_op(api::op_name(op)), op) << api::op_name(op);
    }
    EXPECT_EQ(api::parse_op("reboot"), std::nullopt);
}

TEST(WorkerApi, CreateWithANicRoundTrips) {
    const api::Create sent{{7, "web", "/guests/httpd", 4u << 20, "-v", false, true,
                            api::NicSpec{3, "02:00:00:00:00:07", 0x0a000007, 0xffffff00u, 0x0a000001, 1500}}};
    Result<api::ParsedRequest> parsed = api::parse_request(api::encode_request(sent));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->op, api::Op::Create);
    Result<api::Create> got = api::decode_request<api::Create>(parsed->object);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->guest.id, 7u);
    EXPECT_EQ(got->guest.name, "web");
    EXPECT_EQ(got->guest.mem, 4u << 20);
    EXPECT_FALSE(got->guest.start);
    EXPECT_TRUE(got->guest.store);
    ASSERT_TRUE(got->guest.nic);
    EXPECT_EQ(got->guest.nic->mac, "02:00:00:00:00:07");
    EXPECT_EQ(got->guest.nic->gw, 0x0a000001u);
}

TEST(WorkerApi, AMissingOrMistypedFieldIsNamed) {
    Result<api::ParsedRequest> parsed = api::parse_request(R"({"op":"pause"})");
    ASSERT_TRUE(parsed);
    Result<api::Pause> missing = api::decode_request<api::Pause>(parsed->object);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::InvalidArgument);
    EXPECT_NE(missing.error().message.find("'id'"), std::string::npos) << missing.error().message;

    parsed = api::parse_request(R"({"op":"pause","id":"seven"})");
    ASSERT_TRUE(parsed);
    Result<api::Pause> mistyped = api::decode_request<api::Pause>(parsed->object);
    ASSERT_FALSE(mistyped);
    EXPECT_NE(mistyped.error().message.find("number"), std::string::npos) << mistyped.error().message;
}

TEST(WorkerApi, UnknownOpsAndNonObjectsAreRefused) {
    EXPECT_FALSE(api::parse_request(R"({"op":"reboot","id":1})"));
    EXPECT_FALSE(api::parse_request(R"([1,2])"));
    EXPECT_FALSE(api::parse_request(R"({"id":1})"));
    EXPECT_FALSE(api::parse_request("{"));
}

TEST(WorkerApi, AnErrorReplyCarriesItsKind) {
    const api::EncodedReply reply = api::encode_error(error(ErrorKind::Conflict, "guest 3 is busy"));
    Result<api::GuestStatus> got = api::decode_reply<api::GuestStatus>(reply.payload, reply.raw);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().kind, ErrorKind::Conflict);
    EXPECT_EQ(got.error().message, "guest 3 is busy");
    Result<api::GuestStatus> unknown =
        api::decode_reply<api::GuestStatus>(R"({"error":"x","kind":99})", false);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().kind, ErrorKind::Internal);
}

TEST(WorkerApi, RepliesRoundTripAndConsoleBytesAreRaw) {
    const api::EncodedReply console = api::encode_reply(api::ConsoleBytes{std::string("a\0b\xff", 4)});
    EXPECT_TRUE(console.raw);
    Result<api::ConsoleBytes> bytes = api::decode_reply<api::ConsoleBytes>(console.payload, console.raw);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->bytes, std::string("a\0b\xff", 4));

    const api::Sent sent{1000, 3,   250,       1.5,
                         0.25, 0.5, 123456789, nlohmann::json{{"send", 4}, {"receive", 2}}};
    const api::EncodedReply encoded = api::encode_reply(sent);
    EXPECT_FALSE(encoded.raw);
    Result<api::Sent> got = api::decode_reply<api::Sent>(encoded.payload, encoded.raw);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->pages_sent, 250u);
    EXPECT_EQ(got->paused_ns, 123456789u);
    ASSERT_TRUE(got->session);
    EXPECT_EQ((*got->session)["send"], 4);
    EXPECT_FALSE(api::decode_reply<api::Sent>(encoded.payload, true))
        << "a raw payload where JSON was expected";
}

TEST(WorkerApi, EventsRoundTrip) {
    const api::GuestEvent crashed{api::GuestEvent::Kind::Crashed, 0, 0, "triple fault"};
    Result<api::GuestEvent> got = api::decode_event(api::encode_event(crashed));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, api::GuestEvent::Kind::Crashed);
    EXPECT_EQ(got->reason, "triple fault");
    EXPECT_FALSE(api::decode_event(R"({"kind":"exploded","t_ns":0,"status":0,"reason":""})"));
}
