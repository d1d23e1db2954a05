#include "core/units.hpp"

#include <gtest/gtest.h>

namespace tb::core {
namespace {

TEST(ParseDuration, AcceptsEveryUnit) {
    EXPECT_EQ(parse_duration_ns("250ns"), 250);
    EXPECT_EQ(parse_duration_ns("250"), 250);
    EXPECT_EQ(parse_duration_ns("2us"), 2'000);
    EXPECT_EQ(parse_duration_ns("1.5ms"), 1'500'000);
    EXPECT_EQ(parse_duration_ns("3s"), 3'000'000'000);
    EXPECT_EQ(parse_duration_ns("2min"), 120'000'000'000);
    EXPECT_EQ(parse_duration_ns("0"), 0);
    EXPECT_EQ(parse_duration_ns("0.25us"), 250);
}

TEST(ParseDuration, RejectsMalformedNegativeAndOverflowing) {
    for (const char* bad : {"", "ms", "-5ms", "5 ms", "5hours", "1.2.3s", ".5s", "5.s", "1e3ns",
                            "99999999999s", "10000000000000000000"}) {
        EXPECT_FALSE(parse_duration_ns(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace tb::core
