// MemBackend on its own: reads, children, ordered all-or-nothing apply, for_each order.
#include "store/mem_backend.h"

#include <gtest/gtest.h>

namespace sf::store {
namespace {

using Names = std::vector<std::string>;

Change put(std::string path, std::string value, uint64_t generation = 1) {
    return Change{Change::Kind::Put, std::move(path),
                  Node{std::move(value), Permissions::owned_by(0), generation}};
}
Change erase(std::string path) {
    return Change{Change::Kind::Erase, std::move(path), Node{}};
}

class MemBackendTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(backend->apply(ChangeSet{{put("/", "")}}).ok()); }
    std::string value_of(std::string_view path) {
        auto node = backend->read(path);
        if (!node.ok() || !node->has_value()) return "<absent>";
        return (*node)->value;
    }
    std::unique_ptr<MemBackend> backend = MemBackend::create();
};

TEST_F(MemBackendTest, PutReadAndChildrenSorted) {
    EXPECT_STREQ(backend->name(), "mem");
    ASSERT_TRUE(
        backend->apply(ChangeSet{{put("/b", "2"), put("/a", "1"), put("/a/z", "z"), put("/a/c", "c")}}).ok());
    EXPECT_EQ(value_of("/a"), "1");
    EXPECT_EQ(value_of("/a/z"), "z");
    EXPECT_EQ(value_of("/nope"), "<absent>");
    EXPECT_EQ(*backend->children("/"), (Names{"a", "b"}));
    EXPECT_EQ(*backend->children("/a"), (Names{"c", "z"}));
    EXPECT_TRUE(backend->children("/nope")->empty());
    EXPECT_EQ(backend->size(), 5u);
}

TEST_F(MemBackendTest, ReplacingKeepsChildrenAndGeneration) {
    ASSERT_TRUE(backend->apply(ChangeSet{{put("/a", "1", 3), put("/a/b", "x", 4)}}).ok());
    ASSERT_TRUE(backend->apply(ChangeSet{{put("/a", "new", 9)}}).ok());
    EXPECT_EQ(value_of("/a"), "new");
    EXPECT_EQ((*backend->read("/a"))->generation, 9u);
    EXPECT_EQ(*backend->children("/a"), (Names{"b"}));
}

TEST_F(MemBackendTest, ChangesApplyInOrder) {
    // Put then erase then put again of the same path, in one set.
    ASSERT_TRUE(backend->apply(ChangeSet{{put("/a", "1"), erase("/a"), put("/a", "3")}}).ok());
    EXPECT_EQ(value_of("/a"), "3");
    // Erase children before their parent.
    ASSERT_TRUE(backend->apply(ChangeSet{{put("/a/b", "")}}).ok());
    ASSERT_TRUE(backend->apply(ChangeSet{{erase("/a/b"), erase("/a")}}).ok());
    EXPECT_EQ(value_of("/a"), "<absent>");
    EXPECT_TRUE(backend->children("/")->empty());
}

TEST_F(MemBackendTest, RefusedSetChangesNothing) {
    ASSERT_TRUE(backend->apply(ChangeSet{{put("/keep", "k"), put("/keep/child", "c")}}).ok());
    // Orphan put at the end: everything before it is undone.
    auto orphan = backend->apply(ChangeSet{
        {put("/keep", "changed"), put("/new", "n"), erase("/keep/child"), put("/missing/parent", "x")}});
    EXPECT_FALSE(orphan.ok());
    EXPECT_EQ(value_of("/keep"), "k");
    EXPECT_EQ(value_of("/keep/child"), "c");
    EXPECT_EQ(value_of("/new"), "<absent>");
    EXPECT_EQ(*backend->children("/"), (Names{"keep"}));
    EXPECT_EQ(*backend->children("/keep"), (Names{"child"}));
    // Erasing a node that still has children, or an absent one, is refused too.
    EXPECT_FALSE(backend->apply(ChangeSet{{put("/other", "o"), erase("/keep")}}).ok());
    EXPECT_EQ(value_of("/other"), "<absent>");
    EXPECT_FALSE(backend->apply(ChangeSet{{erase("/absent")}}).ok());
    EXPECT_EQ(backend->size(), 3u);
}

TEST_F(MemBackendTest, ForEachVisitsParentsBeforeChildren) {
    ASSERT_TRUE(backend
                    ->apply(ChangeSet{{put("/b", ""), put("/b/x", ""), put("/a", ""), put("/a/y", ""),
                                       put("/a/y/z", ""), put("/c", "")}})
                    .ok());
    Names visited;
    ASSERT_TRUE(
        backend->for_each([&](std::string_view path, const Node&) { visited.emplace_back(path); }).ok());
    ASSERT_EQ(visited.size(), 7u);
    EXPECT_EQ(visited.front(), "/");
    for (size_t i = 0; i < visited.size(); ++i) {
        if (visited[i] == "/") continue;
        std::string parent = visited[i].substr(0, visited[i].rfind('/'));
        if (parent.empty()) parent = "/";
        auto at = std::find(visited.begin(), visited.end(), parent);
        EXPECT_LT(at - visited.begin(), static_cast<std::ptrdiff_t>(i)) << visited[i];
    }
}

TEST_F(MemBackendTest, ManyChildren) {
    ChangeSet set;
    set.changes.push_back(put("/d", ""));
    for (int i = 0; i < 10000; ++i)
        set.changes.push_back(put("/d/" + std::to_string(i), "v"));
    ASSERT_TRUE(backend->apply(set).ok());
    auto names = backend->children("/d");
    ASSERT_EQ(names->size(), 10000u);
    EXPECT_TRUE(std::is_sorted(names->begin(), names->end()));
    ASSERT_TRUE(backend->apply(ChangeSet{{erase("/d/5000")}}).ok());
    EXPECT_EQ(backend->children("/d")->size(), 9999u);
}

} // namespace
} // namespace sf::store
