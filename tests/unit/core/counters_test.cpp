#include "core/counters.hpp"

#include <gtest/gtest.h>

#include "core/eth_port.hpp"

namespace tb::core {
namespace {

struct FeedCounters {
    std::uint64_t packets = 0;
    std::uint64_t gaps = 0;
    template <class F>
    void visit(F&& f) const {
        f("packets", packets);
        f("gaps", gaps);
    }
};

TEST(Counters, FormatListsFieldsInDeclarationOrder) {
    FeedCounters c;
    c.packets = 12;
    c.gaps = 3;
    EXPECT_EQ(format_counters(c), "packets=12 gaps=3");
    EXPECT_EQ(counters_json(c), "{\"packets\":12,\"gaps\":3}");
}

TEST(Counters, PortStatsReportEveryField) {
    PortStats stats;
    stats.tx_refused = 7;
    const std::string text = format_counters(stats);
    EXPECT_NE(text.find("rx_frames=0"), std::string::npos);
    EXPECT_NE(text.find("tx_refused=7"), std::string::npos);
    EXPECT_NE(text.find("rx_no_mbuf=0"), std::string::npos);
}

}  // namespace
}  // namespace tb::core
