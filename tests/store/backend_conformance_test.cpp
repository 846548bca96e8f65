// superfluid store tests: the Backend contract (backend.h), run against every
// back-end open_backend() knows: read, replace, erase, sorted children,
// all-or-nothing apply, parents-first for_each, long paths, 50,000 nodes.
#include "backend_test_support.h"

#include "store/backend_factory.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace sf::store::test {
using namespace std::string_literals;
namespace {

class BackendConformance : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        auto opened = open_backend(GetParam(), dir_.sub("data"));
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        backend_ = std::move(opened).value();
        ASSERT_TRUE(backend_->apply(set_of({put_change("/", "")})).ok());
    }

    void apply_ok(ChangeSet changes) {
        auto applied = backend_->apply(changes);
        ASSERT_TRUE(applied.ok()) << applied.error().message;
    }
    std::optional<Node> read(std::string_view path) {
        auto node = backend_->read(path);
        EXPECT_TRUE(node.ok()) << node.error().message;
        return node.ok() ? *node : std::nullopt;
    }
    std::optional<std::string> value(std::string_view path) {
        auto node = read(path);
        return node ? std::optional<std::string>(node->value) : std::nullopt;
    }
    std::vector<std::string> children(std::string_view path) {
        auto names = backend_->children(path);
        EXPECT_TRUE(names.ok()) << names.error().message;
        return names.ok() ? *names : std::vector<std::string>{};
    }
    // path -> node, in visiting order checked parents-first.
    std::map<std::string, Node> visit_all() {
        std::map<std::string, Node> seen;
        auto visited = backend_->for_each([&](std::string_view path, const Node& node) {
            std::string p(path);
            EXPECT_FALSE(seen.count(p)) << p << " visited twice";
            if (p != "/") {
                std::string parent = p.substr(0, std::max<size_t>(p.rfind('/'), 1));
                EXPECT_TRUE(seen.count(parent)) << p << " visited before its parent " << parent;
            }
            seen.emplace(std::move(p), node);
        });
        EXPECT_TRUE(visited.ok()) << visited.error().message;
        return seen;
    }

    TempDir dir_;
    std::unique_ptr<Backend> backend_;
};

TEST_P(BackendConformance, NameIsItsOwn) {
    EXPECT_EQ(backend_->name(), GetParam());
}

TEST_P(BackendConformance, AbsentNodesReadAsNothing) {
    EXPECT_EQ(read("/nope"), std::nullopt);
    EXPECT_TRUE(children("/nope").empty());
    EXPECT_TRUE(children("/").empty());
}

TEST_P(BackendConformance, PutThenReadGivesTheWholeNode) {
    Node node{"value\0with nul"s, Permissions{{{5, Access::None}, {0, Access::Both}, {7, Access::Read}}}, 42};
    apply_ok(ChangeSet{{Change{Change::Kind::Put, "/a", node}}});
    EXPECT_EQ(read("/a"), node);
    apply_ok(set_of({put_change("/a/empty", "", 0)}));
    EXPECT_EQ(value("/a/empty"), "");
    EXPECT_EQ(read("/a/empty")->generation, 0u);
}

TEST_P(BackendConformance, ReplaceKeepsChildren) {
    apply_ok(set_of({put_change("/a", "1"), put_change("/a/b", "2"), put_change("/a/c", "3")}));
    apply_ok(set_of({put_change("/a", "one", 9)}));
    EXPECT_EQ(value("/a"), "one");
    EXPECT_EQ(read("/a")->generation, 9u);
    EXPECT_EQ(children("/a"), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(value("/a/b"), "2");
}

TEST_P(BackendConformance, EraseRemovesOneLeaf) {
    apply_ok(set_of({put_change("/a", "1"), put_change("/a/b", "2"), put_change("/a/c", "3")}));
    apply_ok(set_of({erase_change("/a/b")}));
    EXPECT_EQ(read("/a/b"), std::nullopt);
    EXPECT_EQ(children("/a"), std::vector<std::string>{"c"});
    apply_ok(set_of({erase_change("/a/c"), erase_change("/a")}));
    EXPECT_TRUE(children("/").empty());
    apply_ok(set_of({put_change("/a", "again")})); // a name can come back
    EXPECT_EQ(value("/a"), "again");
    EXPECT_TRUE(children("/a").empty());
}

TEST_P(BackendConformance, ChildrenAreSortedNames) {
    std::vector<std::string> names{"b", "a", "B", "10", "9", "a-1", "a.b", "_", "@x", "aa", "a_"};
    std::shuffle(names.begin(), names.end(), std::mt19937(7));
    ChangeSet set;
    set.changes.push_back(put_change("/d", ""));
    for (const auto& n : names)
        set.changes.push_back(put_change("/d/" + n, n));
    apply_ok(set);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(children("/d"), names);
    EXPECT_EQ(children("/"), std::vector<std::string>{"d"});
}

TEST_P(BackendConformance, ParentPutEarlierInTheSameSet) {
    apply_ok(set_of({put_change("/p", "1"), put_change("/p/q", "2"), put_change("/p/q/r", "3")}));
    EXPECT_EQ(value("/p/q/r"), "3");
    apply_ok(set_of({put_change("/t", "1"), erase_change("/t")})); // created and gone in one set
    EXPECT_EQ(read("/t"), std::nullopt);
    EXPECT_EQ(children("/"), std::vector<std::string>{"p"});
}

// A set whose third change is invalid applies none of its changes.
TEST_P(BackendConformance, ApplyIsAllOrNothingOnAbsentParent) {
    apply_ok(set_of({put_change("/a", "old")}));
    auto applied = backend_->apply(set_of({put_change("/a", "new"), put_change("/x", "1"),
                                           put_change("/nope/z", "2"), put_change("/x/y", "3")}));
    EXPECT_FALSE(applied.ok());
    EXPECT_EQ(value("/a"), "old");
    EXPECT_EQ(read("/x"), std::nullopt);
    EXPECT_EQ(read("/nope/z"), std::nullopt);
    EXPECT_EQ(children("/"), std::vector<std::string>{"a"});
    apply_ok(set_of({put_change("/x", "1"), put_change("/x/y", "3")})); // still usable
    EXPECT_EQ(children("/x"), std::vector<std::string>{"y"});
}

TEST_P(BackendConformance, ApplyIsAllOrNothingOnEraseWithChildren) {
    apply_ok(set_of({put_change("/a", "1"), put_change("/a/b", "2"), put_change("/c", "3")}));
    auto applied = backend_->apply(
        set_of({put_change("/a", "changed"), erase_change("/c"), erase_change("/a"), put_change("/e", "")}));
    EXPECT_FALSE(applied.ok());
    EXPECT_EQ(value("/a"), "1");
    EXPECT_EQ(value("/c"), "3");
    EXPECT_EQ(read("/e"), std::nullopt);
    EXPECT_EQ(children("/"), (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(children("/a"), std::vector<std::string>{"b"});
}

TEST_P(BackendConformance, ApplyIsAllOrNothingOnEraseOfAbsent) {
    apply_ok(set_of({put_change("/a", "1"), put_change("/a/b", "2")}));
    auto applied =
        backend_->apply(set_of({erase_change("/a/b"), put_change("/n", ""), erase_change("/ghost")}));
    EXPECT_FALSE(applied.ok());
    EXPECT_EQ(value("/a/b"), "2");
    EXPECT_EQ(read("/n"), std::nullopt);
    EXPECT_EQ(children("/a"), std::vector<std::string>{"b"});
}

TEST_P(BackendConformance, ForEachVisitsParentsFirst) {
    apply_ok(set_of({put_change("/z", "z"), put_change("/z/a", "za"), put_change("/a", "a"),
                     put_change("/a/z", "az"), put_change("/a/z/m", "azm"), put_change("/m", "m")}));
    auto seen = visit_all();
    EXPECT_EQ(seen.size(), 7u);
    EXPECT_EQ(seen.at("/a/z/m").value, "azm");
    EXPECT_EQ(seen.at("/").value, "");
}

TEST_P(BackendConformance, LongPathsAndNames) {
    std::string parent = "/long";
    std::string deep = parent;
    ChangeSet set;
    set.changes.push_back(put_change(parent, "p"));
    for (int i = 0; i < 60; ++i) { // 60 components of 40 bytes: ~2,460 bytes
        deep += "/" + std::string(39, char('a' + i % 26)) + char('a' + i / 26);
        set.changes.push_back(put_change(deep, std::to_string(i)));
    }
    std::string long_name(2000, 'n');
    std::string twin = std::string(1999, 'n') + "m"; // same first 1,999 bytes
    set.changes.push_back(put_change(parent + "/" + long_name, "long"));
    set.changes.push_back(put_change(parent + "/" + twin, "twin"));
    apply_ok(set);
    ASSERT_GT(deep.size(), 2400u);
    EXPECT_EQ(value(deep), "59");
    EXPECT_EQ(value(parent + "/" + long_name), "long");
    EXPECT_EQ(value(parent + "/" + twin), "twin");
    auto names = children(parent);
    ASSERT_EQ(names.size(), 3u);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_EQ(names[2], long_name);
    EXPECT_EQ(names[1], twin);
    EXPECT_EQ(visit_all().size(), 64u);
    apply_ok(set_of({erase_change(parent + "/" + long_name)}));
    EXPECT_EQ(read(parent + "/" + long_name), std::nullopt);
    EXPECT_EQ(value(parent + "/" + twin), "twin");
    EXPECT_EQ(children(parent).size(), 2u);
}

TEST_P(BackendConformance, FiftyThousandNodes) {
    constexpr int kDirs = 500, kPerDir = 100;
    for (int d = 0; d < kDirs; d += 50) {
        ChangeSet set;
        for (int i = d; i < d + 50; ++i) {
            std::string dir = "/n" + std::to_string(i);
            set.changes.push_back(put_change(dir, ""));
            for (int j = 0; j < kPerDir; ++j)
                set.changes.push_back(put_change(dir + "/k" + std::to_string(j), std::to_string(i * j)));
        }
        apply_ok(set);
    }
    EXPECT_EQ(children("/").size(), size_t(kDirs));
    EXPECT_EQ(children("/n77").size(), size_t(kPerDir));
    std::mt19937 rng(1);
    for (int probe = 0; probe < 1000; ++probe) {
        int i = int(rng() % kDirs), j = int(rng() % kPerDir);
        ASSERT_EQ(value("/n" + std::to_string(i) + "/k" + std::to_string(j)), std::to_string(i * j));
    }
    EXPECT_EQ(visit_all().size(), size_t(1 + kDirs + kDirs * kPerDir));
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& param) {
    return param.param;
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendConformance, ::testing::Values("mem", "lmdb"), backend_name);

} // namespace
} // namespace sf::store::test
