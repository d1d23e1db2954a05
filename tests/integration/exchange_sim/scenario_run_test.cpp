// Whole scenarios through the exchange core: the example scenarios of scenarios/ load and run,
// a seeded run gives the same output digest twice (and another seed another digest), and an
// ITCH 5.0 file replays into books that clients trade against, at recorded pace, faster, or as
// fast as possible, with the replayed orders reconciled after client trades.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "proto/itch_file.hpp"
#include "tests/integration/exchange_sim/harness.hpp"

namespace tb::exchange::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::uint64_t kOpen = 34'200ULL * kSecond;  // 09:30:00

TEST(ScenarioRun, ExampleScenariosLoad) {
    for (const char* name : {"basic.yaml", "background.yaml", "replay.yaml"}) {
        SCOPED_TRACE(name);
        const Scenario s = load_scenario(std::string(TB_SCENARIOS_DIR) + "/" + name);
        EXPECT_FALSE(s.symbols.empty());
        EXPECT_FALSE(s.gateway.users.empty());
    }
}

TEST(ScenarioRun, BasicScenarioRunsToTheEndOfSession) {
    Harness h(load_scenario(std::string(TB_SCENARIOS_DIR) + "/basic.yaml"));
    TestClient client(h);
    ASSERT_TRUE(client.connect());
    client.login("CLIENT", "secret");
    for (int i = 0; i < 12 && !h.exchange->finished(); ++i) {
        h.run_for(100 * kMs);
        client.send_empty(soup::PacketType::kClientHeartbeat);
    }
    h.run_for(2 * kSecond);
    EXPECT_TRUE(h.exchange->finished());
    EXPECT_EQ(client.view().end_of_session, 1u);
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    EXPECT_EQ(log.end_of_session, 1u);
    // The trigger sold into the best bid: one execution on the feed.
    EXPECT_EQ(log.of_type<itchw::OrderExecuted>().size(), 1u);
    EXPECT_EQ(log.of_type<itchw::StockTradingAction>().size(), 3u);
    const std::string report = h.exchange->report_text();
    EXPECT_NE(report.find("session CLIENT participant=1"), std::string::npos);
    EXPECT_NE(report.find("digest: "), std::string::npos);
    const std::string json = report_json(h.exchange->report());
    EXPECT_EQ(json.front(), '{');
    EXPECT_NE(json.find("\"sessions\":[{\"username\":\"CLIENT\""), std::string::npos);
}

// One seeded run of the background scenario with a client trading on top; returns the digest
// and the number of messages it covers.
std::pair<std::uint64_t, std::uint64_t> seeded_run(std::uint64_t seed) {
    Scenario s = load_scenario(std::string(TB_SCENARIOS_DIR) + "/background.yaml");
    s.seed = seed;
    s.duration_ns = 2 * kSecond;
    s.timeline.clear();
    Harness h(s);
    TestClient client(h);
    EXPECT_TRUE(client.connect());
    client.login("CLIENT", "secret");
    for (int i = 0; i < 10; ++i) {
        h.run_for(100 * kMs);
        client.send_ouch(enter_order(
            numbered("C", i).c_str(), i % 2 == 0 ? ouchw::Side::kBuy : ouchw::Side::kSell, 300,
            "ACME", i % 2 == 0 ? 100'500 : 99'500, ouchw::kTimeInForceImmediateOrCancel));
    }
    h.run_for(1100 * kMs);
    EXPECT_TRUE(h.exchange->gateway().session_ended());
    EXPECT_GT(h.exchange->counters().itch_out, 10'000u);
    EXPECT_EQ(client.messages<ouchw::Accepted>().size(), 10u);
    return {h.exchange->digest().value(), h.exchange->digest().events()};
}

TEST(ScenarioRun, BackgroundScenarioRunsItsWholeDay) {
    Harness h(load_scenario(std::string(TB_SCENARIOS_DIR) + "/background.yaml"));
    TestClient client(h);
    ASSERT_TRUE(client.connect());
    client.login("CLIENT", "secret");
    client.send_ouch(enter_order("C1", ouchw::Side::kBuy, 100, "ACME", 95'000));
    for (int i = 0; i < 7 && !h.exchange->finished(); ++i) {
        h.run_for(kSecond);
        if (!client.closed()) {
            client.send_empty(soup::PacketType::kClientHeartbeat);
        }
    }
    EXPECT_TRUE(h.exchange->finished());
    EXPECT_TRUE(client.closed());  // the timeline disconnects CLIENT at 3 s
    EXPECT_EQ(h.exchange->gateway().close_reason(client.id()), CloseReason::kForced);
    // Cancel on disconnect took CLIENT's resting order off.
    EXPECT_EQ(h.exchange->engine().find_order(1, Token::from("C1")), nullptr);
    EXPECT_EQ(h.exchange->counters().cancel_on_disconnect, 1u);
    EXPECT_EQ(h.exchange->counters().triggers, 2u);
    ASSERT_EQ(h.transport.links.size(), 2u);
    EXPECT_EQ(h.transport.links[0].spec, "loss=1%");
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    EXPECT_EQ(log.end_of_session, 1u);
    EXPECT_GT(log.messages.size(), 100'000u);
    EXPECT_EQ(log.invalid, 0u);
    const auto events = log.of_type<itchw::SystemEvent>();
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events.back().timestamp_ns, kOpen + 5 * kSecond);
}

TEST(ScenarioRun, SameScenarioAndSeedGiveTheSameDigest) {
    const auto first = seeded_run(42);
    const auto second = seeded_run(42);
    EXPECT_EQ(first, second);
    const auto other = seeded_run(43);
    EXPECT_NE(first.first, other.first);
}

// A small ITCH 5.0 file in Nasdaq's format, written with proto's FileWriter.
class ReplayFile {
public:
    ReplayFile() {
        path_ = (std::filesystem::temp_directory_path() /
                 (numbered("tb_replay_", ::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".itch"))
                    .string();
    }
    ~ReplayFile() { std::filesystem::remove(path_); }

    template <class M>
    void add(M message, std::uint64_t offset_ns) {
        message.timestamp_ns = kBase + offset_ns;
        messages_.push_back(
            [message](proto::itch::FileWriter& w) { return w.write_message(message); });
    }
    const std::string& write() {
        proto::itch::FileWriter writer;
        EXPECT_EQ(writer.open(path_), proto::Status::kOk);
        for (const auto& m : messages_) {
            EXPECT_EQ(m(writer), proto::Status::kOk);
        }
        EXPECT_EQ(writer.close(), proto::Status::kOk);
        return path_;
    }

    static constexpr std::uint64_t kBase = 40'000ULL * kSecond;  // 11:06:40 in the file

private:
    std::string path_;
    std::vector<std::function<proto::Status(proto::itch::FileWriter&)>> messages_;
};

itchw::AddOrder add(std::uint64_t ref, itchw::Side side, std::uint32_t shares, const char* stock,
                    std::uint32_t price) {
    itchw::AddOrder m;
    m.stock_locate = 77;
    m.order_reference_number = ref;
    m.side = side;
    m.shares = shares;
    m.stock = proto::Alpha<8>::left(stock);
    m.price = price;
    return m;
}

// The file: two ACME orders and one of a symbol not replayed, then an execution, a partial
// cancel, a replace and deletes, one millisecond apart.
void write_book(ReplayFile& file) {
    itchw::SystemEvent start;
    start.event_code = itchw::EventCode::kStartOfMarketHours;
    file.add(start, 0);
    file.add(add(11, itchw::Side::kBuy, 300, "ACME", 99'900), 0);
    file.add(add(12, itchw::Side::kSell, 200, "ACME", 100'100), 0);
    file.add(add(13, itchw::Side::kSell, 900, "ZZZZ", 500'000), 0);
    itchw::OrderExecuted executed;
    executed.order_reference_number = 12;
    executed.executed_shares = 50;
    executed.match_number = 5;
    file.add(executed, 1 * kMs);
    itchw::OrderCancel cancel;
    cancel.order_reference_number = 11;
    cancel.cancelled_shares = 100;
    file.add(cancel, 2 * kMs);
    itchw::OrderReplace replace;
    replace.original_order_reference_number = 11;
    replace.new_order_reference_number = 14;
    replace.shares = 400;
    replace.price = 99'800;
    file.add(replace, 3 * kMs);
    itchw::OrderDelete del;
    del.order_reference_number = 12;
    file.add(del, 4 * kMs);
    itchw::OrderDelete other;
    other.order_reference_number = 13;
    file.add(other, 4 * kMs);
}

Scenario replay_scenario(const std::string& file, const std::string& speed) {
    return parse_scenario(base_scenario_yaml() + "replay: {file: " + file +
                              ", symbols: [ACME], speed: " + speed + "}\n",
                          "test.yaml");
}

std::string types_after_start(const Harness& h) {
    std::string types;
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    for (std::size_t i = 7; i < log.messages.size(); ++i) {
        types += log.messages[i].type();
    }
    return types;
}

TEST(ScenarioRun, ReplayRebuildsTheBookAtTheRecordedPace) {
    ReplayFile file;
    write_book(file);
    Harness h(replay_scenario(file.write(), "1"));
    h.run_for(500'000);
    EXPECT_EQ(types_after_start(h), "AA");  // ZZZZ is not replayed
    h.run_for(10 * kMs);
    // Add, Add, the replayed execution (taker IOC -> Order Executed), the partial cancel (X),
    // the replace (U) and the delete (D).
    EXPECT_EQ(types_after_start(h), "AAEXUD");
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    const auto executed = log.of_type<itchw::OrderExecuted>();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].executed_shares, 50u);
    const auto replaces = log.of_type<itchw::OrderReplace>();
    ASSERT_EQ(replaces.size(), 1u);
    EXPECT_EQ(replaces[0].shares, 400u);
    EXPECT_EQ(replaces[0].price, 99'800u);
    EXPECT_EQ(replaces[0].timestamp_ns, kOpen + 3 * kMs);  // recorded pace from the open
    EXPECT_EQ(h.exchange->replay()->counters().adds, 2u);
    EXPECT_TRUE(h.exchange->replay()->done());
    EXPECT_EQ(h.exchange->replay()->open_here(14), 400u);
}

TEST(ScenarioRun, ReplaySpeedFactorCompressesTime) {
    ReplayFile file;
    write_book(file);
    Harness h(replay_scenario(file.write(), "4"));
    h.run_for(2 * kMs);
    EXPECT_EQ(types_after_start(h), "AAEXUD");
    const auto replaces = FeedLog::decode(h.transport.feed_a).of_type<itchw::OrderReplace>();
    ASSERT_EQ(replaces.size(), 1u);
    EXPECT_EQ(replaces[0].timestamp_ns, kOpen + 750'000);
}

TEST(ScenarioRun, ReplayAsFastAsPossibleNeedsNoTimeToPass) {
    ReplayFile file;
    write_book(file);
    Harness h(replay_scenario(file.write(), "max"));
    for (int i = 0; i < 10; ++i) {
        h.poll();
    }
    EXPECT_EQ(types_after_start(h), "AAEXUD");
    EXPECT_EQ(h.now(), Harness::kStartNs);
}

TEST(ScenarioRun, ClientTradesAgainstReplayedLiquidityAndTheFileIsReconciled) {
    ReplayFile file;
    file.add(add(21, itchw::Side::kSell, 500, "ACME", 100'100), 0);
    itchw::OrderExecuted executed;
    executed.order_reference_number = 21;
    executed.executed_shares = 100;
    file.add(executed, 10 * kMs);
    itchw::OrderCancel cancel;
    cancel.order_reference_number = 21;
    cancel.cancelled_shares = 100;
    file.add(cancel, 20 * kMs);
    itchw::OrderDelete del;
    del.order_reference_number = 21;
    file.add(del, 30 * kMs);
    Harness h(replay_scenario(file.write(), "1"));
    TestClient client(h);
    ASSERT_TRUE(client.connect());
    client.login("ALICE", "secret1");
    h.run_for(kMs);
    // The client lifts 350 of the replayed 500.
    client.send_ouch(enter_order("C1", ouchw::Side::kBuy, 350, "ACME", 100'100));
    const auto fills = client.messages<ouchw::Executed>();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].executed_shares, 350u);
    EXPECT_EQ(fills[0].execution_price, 100'100u);
    EXPECT_EQ(h.exchange->replay()->open_here(21), 150u);
    // The file's execution of 100 takes 100 of what is left (file 400, ours 50 after it).
    h.run_for(10 * kMs);
    EXPECT_EQ(h.exchange->replay()->open_here(21), 50u);
    // The file cancels 100 (file 300): ours is below, nothing to do. The delete removes the rest.
    h.run_for(10 * kMs);
    EXPECT_EQ(h.exchange->replay()->open_here(21), 50u);
    EXPECT_EQ(h.exchange->replay()->counters().reconciled_cancels, 0u);
    h.run_for(10 * kMs);
    EXPECT_EQ(h.exchange->replay()->open_here(21), 0u);
    EXPECT_EQ(h.exchange->replay()->open_orders(), 0u);
    EXPECT_EQ(h.exchange->engine().counters().executions, 2u);
}

TEST(ScenarioRun, ReplayCancelsDownWhenTheFileSaysLessIsOpen) {
    ReplayFile file;
    file.add(add(31, itchw::Side::kBuy, 500, "ACME", 99'900), 0);
    itchw::OrderExecuted executed;  // the real aggressor took 300 from 31
    executed.order_reference_number = 31;
    executed.executed_shares = 300;
    file.add(executed, 10 * kMs);
    Harness h(replay_scenario(file.write(), "1"));
    TestClient client(h);
    ASSERT_TRUE(client.connect());
    client.login("ALICE", "secret1");
    // A client bids better than the replayed order: the replayed aggressor trades with the
    // client first (price priority), so the replayed order keeps more than the file says.
    client.send_ouch(enter_order("C1", ouchw::Side::kBuy, 200, "ACME", 100'000));
    h.run_for(20 * kMs);
    const auto fills = client.messages<ouchw::Executed>();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].executed_shares, 200u);
    EXPECT_EQ(fills[0].liquidity_flag, ouchw::LiquidityFlag::kAdded);
    // Ours was 500 - 100 = 400 against the file's 200: canceled down to 200.
    EXPECT_EQ(h.exchange->replay()->open_here(31), 200u);
    EXPECT_EQ(h.exchange->replay()->counters().reconciled_cancels, 1u);
    const auto cancels = FeedLog::decode(h.transport.feed_a).of_type<itchw::OrderCancel>();
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].cancelled_shares, 200u);
}

TEST(ScenarioRun, ReplaySkipsOtherSymbolsInBoundedSteps) {
    ReplayFile file;
    for (std::uint64_t ref = 1; ref <= 10'000; ++ref) {
        file.add(add(ref, itchw::Side::kBuy, 100, "ZZZZ", 10'000), 0);
    }
    file.add(add(20'000, itchw::Side::kBuy, 100, "ACME", 99'000), 0);
    Harness h(replay_scenario(file.write(), "max"));
    // 4096 messages of other symbols are skipped per pass: the ACME order needs three passes.
    EXPECT_EQ(types_after_start(h), "");
    h.poll();
    EXPECT_EQ(types_after_start(h), "");
    h.poll();
    h.poll();
    EXPECT_EQ(types_after_start(h), "A");
    EXPECT_EQ(h.exchange->replay()->counters().file_messages, 10'001u);
}

TEST(ScenarioRun, ReplayOfAMissingFileIsAStartupError) {
    Scenario s = replay_scenario("/nonexistent/file.itch", "1");
    LoopbackTransport transport;
    EXPECT_THROW(Exchange<LoopbackTransport>(s, transport), core::StartupError);
}

}  // namespace
}  // namespace tb::exchange::testing
