// superfluid tests: the XenStore dispatcher, every message type and its errors, without a socket.
#include "wire_test_support.h"

#include "store/dispatch.h"

#include <gtest/gtest.h>

namespace sf::store {
namespace {

using test::nul;
using wire::MsgType;

class WireDispatch : public ::testing::Test {
  protected:
    wire::Message call(MsgType type, const std::string& payload, TxId tx = 0) {
        return call_raw(static_cast<uint32_t>(type), payload, tx);
    }
    wire::Message call_raw(uint32_t type, const std::string& payload, TxId tx = 0) {
        wire::Header header{type, ++req_id_, tx, static_cast<uint32_t>(payload.size())};
        auto reply = test::parse_one(dispatch(*store_, conn_, header, payload));
        EXPECT_EQ(reply.header.req_id, req_id_);
        EXPECT_EQ(reply.header.tx_id, tx);
        EXPECT_TRUE(reply.header.type == type || reply.type() == MsgType::Error) << reply.header.type;
        return reply;
    }
    // The errno name of an error reply ("" when the reply is not an error).
    std::string error_of(const wire::Message& reply) {
        if (reply.type() != MsgType::Error) return "";
        return reply.payload.substr(0, reply.payload.size() - 1);
    }
    void expect_ok(const wire::Message& reply) {
        EXPECT_NE(reply.type(), MsgType::Error) << reply.payload;
        EXPECT_EQ(reply.payload, nul("OK"));
    }

    std::unique_ptr<Store> store_ = test::make_store();
    std::shared_ptr<test::RecordingSink> sink_ = std::make_shared<test::RecordingSink>();
    ConnectionId conn_ = store_->connect(kDom0, true, sink_);
    uint32_t req_id_ = 100;
};

TEST_F(WireDispatch, WriteThenReadGivesTheRawValue) {
    expect_ok(call(MsgType::Write, nul("/a/b") + "hello"));
    auto reply = call(MsgType::Read, nul("/a/b"));
    EXPECT_EQ(reply.type(), MsgType::Read);
    EXPECT_EQ(reply.payload, "hello"); // no NUL added
    expect_ok(call(MsgType::Write, nul("/a/bin") + std::string("x\0y", 3)));
    EXPECT_EQ(call(MsgType::Read, nul("/a/bin")).payload, std::string("x\0y", 3));
    expect_ok(call(MsgType::Write, nul("/a/empty")));
    EXPECT_EQ(call(MsgType::Read, nul("/a/empty")).payload, "");
}

TEST_F(WireDispatch, ArgumentsWithoutTheirNulsAreInvalid) {
    EXPECT_EQ(error_of(call(MsgType::Read, "/a")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Read, "")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/a", "/b"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Write, "/a/no-nul")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Mkdir, "/a")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Rm, "/a")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Directory, "/")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::GetPerms, "/")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Watch, nul("/a"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Watch, nul("/a") + "tok")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Unwatch, nul("/a"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::SetPerms, nul("/a"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::DirectoryPart, nul("/"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::DirectoryPart, nul("/", "x"))), "EINVAL");
}

TEST_F(WireDispatch, BadPathsAreInvalidAndMissingNodesNotFound) {
    EXPECT_EQ(error_of(call(MsgType::Write, nul("/a b") + "v")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Write, nul("/a//b") + "v")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Write, nul("/a/") + "v")), "EINVAL");
    std::string deep;
    for (int i = 0; i < 70; ++i)
        deep += "/d";
    EXPECT_EQ(error_of(call(MsgType::Write, nul(deep) + "v")), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/nothing/here"))), "ENOENT");
    EXPECT_EQ(error_of(call(MsgType::Directory, nul("/nothing"))), "ENOENT");
}

TEST_F(WireDispatch, MkdirDirectoryRm) {
    expect_ok(call(MsgType::Mkdir, nul("/d/x")));
    expect_ok(call(MsgType::Write, nul("/d/y") + "1"));
    auto listing = call(MsgType::Directory, nul("/d"));
    EXPECT_EQ(listing.type(), MsgType::Directory);
    EXPECT_EQ(listing.payload, nul("x", "y"));
    EXPECT_EQ(call(MsgType::Directory, nul("/d/x")).payload, "");
    expect_ok(call(MsgType::Rm, nul("/d")));
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/d/y"))), "ENOENT");
}

TEST_F(WireDispatch, PermissionsRoundTrip) {
    expect_ok(call(MsgType::Write, nul("/p") + "v"));
    EXPECT_EQ(call(MsgType::GetPerms, nul("/p")).payload, nul("n0"));
    expect_ok(call(MsgType::SetPerms, nul("/p", "n5", "r7", "b9")));
    EXPECT_EQ(call(MsgType::GetPerms, nul("/p")).payload, nul("n5", "r7", "b9"));
    EXPECT_EQ(error_of(call(MsgType::SetPerms, nul("/p", "x5"))), "EINVAL");
    EXPECT_EQ(error_of(call(MsgType::SetPerms, nul("/p") + "n5")), "EINVAL");
}

TEST_F(WireDispatch, UnprivilegedConnectionIsRefusedByPermissions) {
    expect_ok(call(MsgType::Write, nul("/secret") + "v"));
    auto guest = store_->connect(5, false, nullptr);
    wire::Header header{static_cast<uint32_t>(MsgType::Read), 1, 0, 0};
    auto reply = test::parse_one(dispatch(*store_, guest, header, nul("/secret")));
    EXPECT_EQ(reply.type(), MsgType::Error);
    EXPECT_EQ(reply.payload, nul("EACCES"));
    header.type = static_cast<uint32_t>(MsgType::Introduce);
    reply = test::parse_one(dispatch(*store_, guest, header, nul("6", "0", "0")));
    EXPECT_EQ(reply.type(), MsgType::Error);
}

TEST_F(WireDispatch, WatchAcksThenFiresOnceAndOnChanges) {
    expect_ok(call(MsgType::Watch, nul("/w", "tok"), /*tx ignored*/ 0));
    auto events = sink_->take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].first, conn_);
    EXPECT_EQ(events[0].second.path, "/w");
    EXPECT_EQ(events[0].second.token, "tok");
    expect_ok(call(MsgType::Write, nul("/w/x") + "1"));
    events = sink_->take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].second.path, "/w/x");
    expect_ok(call(MsgType::Unwatch, nul("/w", "tok")));
    expect_ok(call(MsgType::Write, nul("/w/x") + "2"));
    EXPECT_TRUE(sink_->take().empty());
    expect_ok(call(MsgType::Watch, nul("@introduceDomain", "dom")));
    expect_ok(call(MsgType::ResetWatches, ""));
}

TEST_F(WireDispatch, TransactionStartEndAndIsolation) {
    auto start = call(MsgType::TransactionStart, nul(""));
    ASSERT_EQ(start.type(), MsgType::TransactionStart);
    ASSERT_GE(start.payload.size(), 2u);
    EXPECT_EQ(start.payload.back(), '\0');
    const TxId tx = static_cast<TxId>(std::stoul(start.payload));
    ASSERT_NE(tx, 0u);
    expect_ok(call(MsgType::Write, nul("/t") + "in-tx", tx));
    EXPECT_EQ(call(MsgType::Read, nul("/t"), tx).payload, "in-tx");
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/t"))), "ENOENT");
    EXPECT_EQ(error_of(call(MsgType::TransactionStart, nul(""), tx)), "EBUSY");
    EXPECT_EQ(error_of(call(MsgType::TransactionEnd, nul("X"), tx)), "EINVAL");
    expect_ok(call(MsgType::TransactionEnd, nul("T"), tx));
    EXPECT_EQ(call(MsgType::Read, nul("/t")).payload, "in-tx");
    EXPECT_EQ(error_of(call(MsgType::TransactionEnd, nul("T"), 0)), "ENOENT");
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/t"), 12345)), "ENOENT");
}

TEST_F(WireDispatch, ConflictingCommitIsEagain) {
    const TxId tx = static_cast<TxId>(std::stoul(call(MsgType::TransactionStart, nul("")).payload));
    EXPECT_EQ(error_of(call(MsgType::Read, nul("/c"), tx)), "ENOENT");
    expect_ok(call(MsgType::Write, nul("/c") + "tx", tx));
    expect_ok(call(MsgType::Write, nul("/c") + "outside"));
    EXPECT_EQ(error_of(call(MsgType::TransactionEnd, nul("T"), tx)), "EAGAIN");
    EXPECT_EQ(call(MsgType::Read, nul("/c")).payload, "outside");
}

TEST_F(WireDispatch, DomainMessages) {
    auto path = call(MsgType::GetDomainPath, nul("7"));
    EXPECT_EQ(path.type(), MsgType::GetDomainPath);
    EXPECT_EQ(path.payload, nul("/local/domain/7"));
    EXPECT_EQ(error_of(call(MsgType::GetDomainPath, nul("seven"))), "EINVAL");
    EXPECT_EQ(call(MsgType::IsDomainIntroduced, nul("3")).payload, nul("F"));
    EXPECT_EQ(error_of(call(MsgType::Resume, nul("3"))), "ENOENT");
    expect_ok(call(MsgType::Introduce, nul("3", "1234", "5")));
    EXPECT_EQ(call(MsgType::IsDomainIntroduced, nul("3")).payload, nul("T"));
    expect_ok(call(MsgType::Resume, nul("3")));
    expect_ok(call(MsgType::Release, nul("3")));
    EXPECT_EQ(error_of(call(MsgType::Introduce, nul("3"))), "EINVAL");
}

TEST_F(WireDispatch, UnknownAndServerOnlyTypesAreEnosys) {
    for (uint32_t type : {0u, 15u, 16u, 19u, 20u, 23u, 99u, 0xffffu}) {
        auto reply = call_raw(type, nul("/"));
        EXPECT_EQ(reply.type(), MsgType::Error) << type;
        EXPECT_EQ(reply.payload, nul("ENOSYS")) << type;
    }
}

TEST_F(WireDispatch, LongDirectoryIsE2bigAndDirectoryPartAssemblesIt) {
    std::string expected;
    for (int i = 0; i < 200; ++i) {
        const std::string name = "child-with-a-rather-long-name-" + std::to_string(1000 + i);
        expect_ok(call(MsgType::Mkdir, nul("/big/" + name)));
        expected += nul(name);
    }
    ASSERT_GT(expected.size(), wire::kPayloadMax);
    EXPECT_EQ(error_of(call(MsgType::Directory, nul("/big"))), "E2BIG");
    // libxenstore's xs_directory_part loop: strip "<gen>\0", stop when the list ends with "\0\0".
    std::string assembled, generation;
    size_t offset = 0;
    for (int round = 0; round < 10; ++round) {
        auto part = call(MsgType::DirectoryPart, nul("/big", std::to_string(offset)));
        ASSERT_EQ(part.type(), MsgType::DirectoryPart) << part.payload;
        const std::string gen = part.payload.substr(0, part.payload.find('\0'));
        if (round == 0) generation = gen;
        EXPECT_EQ(gen, generation);
        assembled += part.payload.substr(gen.size() + 1);
        offset = assembled.size();
        if (assembled.size() >= 2 && assembled[assembled.size() - 2] == '\0') break;
    }
    ASSERT_FALSE(assembled.empty());
    EXPECT_EQ(assembled.substr(0, assembled.size() - 1), expected);
    auto past = call(MsgType::DirectoryPart, nul("/big", "999999"));
    EXPECT_EQ(past.payload, nul(generation, ""));
}

} // namespace
} // namespace sf::store
