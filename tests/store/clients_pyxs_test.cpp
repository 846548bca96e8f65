// superfluid tests: build/bin/sfstore driven by Debian's python3-pyxs.
#include "clients_test_support.h"

#include <gtest/gtest.h>

namespace sf::store::test {
namespace {

TEST_F(RealClients, PyxsNodeOperations) {
    auto result = python(R"(
from pyxs import Client, PyXSError
with Client(unix_socket_path=SOCKET) as c:
    c.write(b"/py/a", b"hello")
    print(c.read(b"/py/a"))
    c.mkdir(b"/py/dir")
    print(sorted(c.list(b"/py")))
    print(c.exists(b"/py/dir"), c.exists(b"/py/none"))
    print(c.get_perms(b"/py/a"))
    c.set_perms(b"/py/a", [b"n3", b"r4"])
    print(c.get_perms(b"/py/a"))
    print(c.get_domain_path(7))
    print(c.is_domain_introduced(9))
    c.delete(b"/py/dir")
    print(c.list(b"/py"))
    try:
        c.read(b"/py/none")
    except PyXSError as e:
        print("error", e.args[0])
    print(c.read(b"/py/none", b"default"))
)");
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_EQ(result.output, "b'hello'\n"
                             "[b'a', b'dir']\n"
                             "True False\n"
                             "[b'n0']\n"
                             "[b'n3', b'r4']\n"
                             "b'/local/domain/7'\n"
                             "False\n"
                             "[b'a']\n"
                             "error 2\n"
                             "b'default'\n");
}

TEST_F(RealClients, PyxsTransactions) {
    auto result = python(R"(
from pyxs import Client
with Client(unix_socket_path=SOCKET) as c, Client(unix_socket_path=SOCKET) as other:
    c.write(b"/tx/k", b"0")
    tx = c.transaction()
    print(tx > 0)
    c.write(b"/tx/k", b"1")
    print(c.read(b"/tx/k"), other.read(b"/tx/k"))
    print(c.commit(), other.read(b"/tx/k"))
    c.transaction()
    c.write(b"/tx/k", b"2")
    c.rollback()
    print(other.read(b"/tx/k"))
    c.transaction()
    c.read(b"/tx/k")
    c.write(b"/tx/k", b"3")
    other.write(b"/tx/k", b"conflict")
    print(c.commit(), other.read(b"/tx/k"))
)");
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_EQ(result.output, "True\n"
                             "b'1' b'0'\n"
                             "True b'1'\n"
                             "b'1'\n"
                             "False b'conflict'\n");
}

TEST_F(RealClients, PyxsWatches) {
    auto result = python(R"(
from pyxs import Client
with Client(unix_socket_path=SOCKET) as c, Client(unix_socket_path=SOCKET) as writer:
    m = c.monitor()
    m.watch(b"/wp", b"token1")
    events = m.wait()
    print(next(events))
    writer.write(b"/wp/x", b"1")
    print(next(events))
    writer.write(b"/elsewhere", b"1")
    writer.delete(b"/wp")
    print(next(events))
    m.unwatch(b"/wp", b"token1")
    m.watch(b"@introduceDomain", b"intro")
    print(next(events))
)");
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_EQ(result.output, "Event(path=b'/wp', token=b'token1')\n"
                             "Event(path=b'/wp/x', token=b'token1')\n"
                             "Event(path=b'/wp', token=b'token1')\n"
                             "Event(path=b'@introduceDomain', token=b'intro')\n");
}

} // namespace
} // namespace sf::store::test
