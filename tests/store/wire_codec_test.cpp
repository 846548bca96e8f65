// superfluid tests: the XenStore wire codec (header layout, encoders, incremental parser).
#include "wire_test_support.h"

#include "store/wire.h"

#include <gtest/gtest.h>

#include <cstring>

namespace sf::store {
namespace {

using test::nul;
using wire::MsgType;
using wire::Parser;

TEST(WireCodec, MessageTypesHaveXenNumbers) {
    EXPECT_EQ(static_cast<uint32_t>(MsgType::Control), 0u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::Read), 2u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::TransactionEnd), 7u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::Write), 11u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::WatchEvent), 15u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::Error), 16u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::SetTarget), 19u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::ResetWatches), 21u);
    EXPECT_EQ(static_cast<uint32_t>(MsgType::DirectoryPart), 22u);
    EXPECT_STREQ(wire::type_name(22), "DIRECTORY_PART");
    EXPECT_STREQ(wire::type_name(20), "UNKNOWN");
    EXPECT_STREQ(wire::type_name(1000), "UNKNOWN");
}

TEST(WireCodec, MessageIsHeaderThenPayloadInHostOrder) {
    std::string out;
    wire::append_message(out, 2, 0x01020304, 7, nul("/a"));
    ASSERT_EQ(out.size(), 16u + 3u);
    uint32_t fields[4];
    std::memcpy(fields, out.data(), 16);
    EXPECT_EQ(fields[0], 2u);
    EXPECT_EQ(fields[1], 0x01020304u);
    EXPECT_EQ(fields[2], 7u);
    EXPECT_EQ(fields[3], 3u);
    EXPECT_EQ(out.substr(16), nul("/a"));
}

TEST(WireCodec, ErrorReplyEchoesIdsAndCarriesTheErrnoName) {
    wire::Header request{2, 42, 9, 3};
    std::string out;
    wire::append_error(out, request, StoreError::NotFound);
    auto reply = test::parse_one(out);
    EXPECT_EQ(reply.type(), MsgType::Error);
    EXPECT_EQ(reply.header.req_id, 42u);
    EXPECT_EQ(reply.header.tx_id, 9u);
    EXPECT_EQ(reply.payload, nul("ENOENT"));
    EXPECT_EQ(wire::error_from_name("EAGAIN"), StoreError::Again);
    EXPECT_EQ(wire::error_from_name("E2BIG"), StoreError::TooBig);
    EXPECT_EQ(wire::error_from_name("EWHATEVER"), std::nullopt);
}

TEST(WireCodec, WatchEventIsPathTokenEachNulTerminated) {
    std::string out;
    ASSERT_TRUE(wire::append_watch_event(out, "/a/b", "tok"));
    auto event = test::parse_one(out);
    EXPECT_EQ(event.type(), MsgType::WatchEvent);
    EXPECT_EQ(event.header.req_id, 0u);
    EXPECT_EQ(event.header.tx_id, 0u);
    EXPECT_EQ(event.payload, nul("/a/b", "tok"));
    std::string big;
    EXPECT_FALSE(wire::append_watch_event(big, std::string(4000, 'a'), std::string(100, 't')));
    EXPECT_TRUE(big.empty());
}

std::string three_messages() {
    std::string bytes;
    wire::append_message(bytes, 2, 1, 0, nul("/a"));
    wire::append_message(bytes, 11, 2, 0, nul("/b") + "value");
    wire::append_message(bytes, 6, 3, 0, "");
    return bytes;
}

std::vector<wire::Message> drain(Parser& parser) {
    std::vector<wire::Message> out;
    wire::MessageView view;
    while (parser.next(view) == Parser::Status::Message)
        out.push_back({view.header, std::string(view.payload)});
    return out;
}

TEST(WireParser, MergedReadsGiveEveryMessage) {
    Parser parser;
    parser.feed(three_messages());
    auto messages = drain(parser);
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[0].payload, nul("/a"));
    EXPECT_EQ(messages[1].payload, nul("/b") + "value");
    EXPECT_EQ(messages[1].header.req_id, 2u);
    EXPECT_EQ(messages[2].payload, "");
    EXPECT_EQ(parser.pending(), 0u);
}

TEST(WireParser, ByteByByteReadsGiveTheSameMessages) {
    const std::string bytes = three_messages();
    Parser parser;
    std::vector<wire::Message> messages;
    for (char byte : bytes) {
        parser.feed(std::string_view(&byte, 1));
        for (auto& m : drain(parser))
            messages.push_back(std::move(m));
    }
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[1].payload, nul("/b") + "value");
    EXPECT_EQ(messages[2].header.req_id, 3u);
}

TEST(WireParser, PartialMessageStaysPending) {
    std::string bytes = three_messages();
    Parser parser;
    parser.feed(std::string_view(bytes).substr(0, 16 + 3 + 10));
    EXPECT_EQ(drain(parser).size(), 1u);
    EXPECT_EQ(parser.pending(), 10u);
    parser.feed(std::string_view(bytes).substr(29));
    EXPECT_EQ(drain(parser).size(), 2u);
}

TEST(WireParser, PayloadOfExactly4096IsAcceptedAndMoreIsStickyTooLong) {
    std::string ok_bytes;
    wire::append_message(ok_bytes, 11, 1, 0, std::string(4096, 'x'));
    Parser ok_parser;
    ok_parser.feed(ok_bytes);
    EXPECT_EQ(drain(ok_parser).size(), 1u);

    wire::Header header{11, 5, 0, 4097};
    std::string bad(reinterpret_cast<const char*>(&header), sizeof(header));
    Parser parser;
    parser.feed(bad);
    wire::MessageView view;
    EXPECT_EQ(parser.next(view), Parser::Status::TooLong);
    EXPECT_EQ(view.header.req_id, 5u);
    EXPECT_TRUE(parser.failed());
    parser.feed(ok_bytes);
    EXPECT_EQ(parser.next(view), Parser::Status::TooLong);
}

} // namespace
} // namespace sf::store
