// Paths: resolution, validity, limits, and the path helpers.
#include "store/path.h"

#include <gtest/gtest.h>

namespace sf::store {
namespace {

bool valid(std::string_view path) {
    return resolve_path(path, 7).ok();
}

TEST(StorePath, AbsolutePathsAreKeptAsTheyAre) {
    auto resolved = resolve_path("/local/domain/3/name", 7);
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(*resolved, "/local/domain/3/name");
    EXPECT_EQ(*resolve_path("/", 7), "/");
    EXPECT_EQ(*resolve_path("/a-b_c.d@e/F9", 7), "/a-b_c.d@e/F9");
}

TEST(StorePath, RelativePathsResolveUnderTheDomainHome) {
    EXPECT_EQ(domain_path(12), "/local/domain/12");
    EXPECT_EQ(*resolve_path("data/page", 12), "/local/domain/12/data/page");
    EXPECT_EQ(*resolve_path("name", 0), "/local/domain/0/name");
}

TEST(StorePath, BadCharactersAreInvalid) {
    for (std::string_view bad : {"/a b", "/a*", "/a\\b", "/ä", "/a\nb", "/a:b", "rel/x+y", "/a#"}) {
        auto resolved = resolve_path(bad, 1);
        ASSERT_FALSE(resolved.ok()) << bad;
        EXPECT_EQ(resolved.error(), StoreError::Invalid) << bad;
    }
    EXPECT_FALSE(valid(std::string_view("/a\0b", 4)));
}

TEST(StorePath, EmptyComponentsAndTrailingSlashesAreInvalid) {
    EXPECT_FALSE(valid(""));
    EXPECT_FALSE(valid("//"));
    EXPECT_FALSE(valid("/a//b"));
    EXPECT_FALSE(valid("/a/"));
    EXPECT_FALSE(valid("a/"));
    EXPECT_FALSE(valid("a//b"));
    EXPECT_TRUE(valid("/a/b"));
}

TEST(StorePath, SpecialPathsOnlyWhenAllowed) {
    EXPECT_FALSE(resolve_path("@introduceDomain", 0).ok());
    EXPECT_EQ(*resolve_path("@introduceDomain", 0, true), "@introduceDomain");
    EXPECT_EQ(*resolve_path("@releaseDomain", 3, true), "@releaseDomain");
    EXPECT_FALSE(resolve_path("@other", 0, true).ok());
    EXPECT_FALSE(resolve_path("@introduceDomain/x", 0, true).ok());
}

TEST(StorePath, LengthLimits) {
    // Absolute: up to kMaxAbsolutePath characters.
    std::string longest = "/" + std::string(kMaxAbsolutePath - 1, 'a');
    EXPECT_FALSE(valid(longest + "b")); // one component too long overall
    std::string at_limit = "/" + std::string(kMaxAbsolutePath - 1, 'a');
    EXPECT_TRUE(valid(at_limit));
    // Relative: up to kMaxRelativePath characters before resolution.
    EXPECT_TRUE(valid(std::string(kMaxRelativePath, 'r')));
    EXPECT_FALSE(valid(std::string(kMaxRelativePath + 1, 'r')));
}

TEST(StorePath, DepthLimit) {
    std::string at_limit;
    for (size_t i = 0; i < kMaxDepth; ++i)
        at_limit += "/d";
    EXPECT_TRUE(valid(at_limit));
    EXPECT_FALSE(valid(at_limit + "/d"));
    // A relative path counts the home's three components too.
    std::string relative = "d";
    for (size_t i = 1; i < kMaxDepth - 3; ++i)
        relative += "/d";
    EXPECT_TRUE(valid(relative));
    EXPECT_FALSE(valid(relative + "/d"));
}

TEST(StorePath, ParentAndBasename) {
    EXPECT_EQ(parent_of("/a/b/c"), "/a/b");
    EXPECT_EQ(parent_of("/a"), "/");
    EXPECT_EQ(parent_of("/"), "/");
    EXPECT_EQ(basename_of("/a/b/c"), "c");
    EXPECT_EQ(basename_of("/a"), "a");
    EXPECT_EQ(basename_of("/"), "");
    EXPECT_EQ(child_path("/", "a"), "/a");
    EXPECT_EQ(child_path("/a", "b"), "/a/b");
}

TEST(StorePath, AtOrBelowComparesWholeComponents) {
    EXPECT_TRUE(is_at_or_below("/a", "/a"));
    EXPECT_TRUE(is_at_or_below("/a/b", "/a"));
    EXPECT_TRUE(is_at_or_below("/a/b/c", "/a"));
    EXPECT_FALSE(is_at_or_below("/ab", "/a"));
    EXPECT_FALSE(is_at_or_below("/a", "/a/b"));
    EXPECT_FALSE(is_at_or_below("/b", "/a"));
    EXPECT_TRUE(is_at_or_below("/anything", "/"));
    EXPECT_TRUE(is_at_or_below("/", "/"));
}

} // namespace
} // namespace sf::store
