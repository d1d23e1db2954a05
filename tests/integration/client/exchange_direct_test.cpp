// The client against the exchange library in one process on a virtual clock (direct_world.hpp):
// after seeded runs with background flow, the client's book equals the exchange's book for
// every symbol, order by order; gap recovery when feed A loses packets (feed B fills in) and
// when both feeds lose the same packets (the retransmission server fills in); stale books when
// nothing can fill a gap; a late joiner recovering the day; orders, fills and positions; and a
// forced disconnect with reconnect and replay of the missed OUCH messages.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "client/report.hpp"
#include "client/strategies.hpp"
#include "core/random.hpp"
#include "exchange_sim/scenario/scenario.hpp"
#include "tests/integration/client/direct_world.hpp"

namespace tb::client::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;

std::string scenario_yaml(const std::string& extra = "") {
    return R"(name: client-direct
seed: 11
session:
  date: 2024-01-02
  start: "09:30:00"
symbols:
  - {stock: ACME, tick: 0.01, reference: 10.00, band: 1.00}
  - {stock: BETA, tick: 0.01, reference: 50.00, band: 5.00}
  - {stock: GAMA, tick: 0.05, reference: 120.00, band: 12.00}
users:
  - {username: CLIENT, password: secret, participant: 1, firm: CLNT}
order_entry:
  cancel_on_disconnect: true
initial_book:
  - {stock: ACME, side: buy, shares: 500, price: 9.99}
  - {stock: ACME, side: sell, shares: 400, price: 10.01}
background:
  participants: 4
  cancel_share: 0.30
  replace_share: 0.10
  marketable_share: 0.05
  symbols:
    - {stock: ACME, rate: 8000}
    - {stock: BETA, rate: 4000}
    - {stock: GAMA, rate: 1000}
)" + extra;
}

exchange::Scenario scenario(const std::string& extra = "") {
    return exchange::parse_scenario(scenario_yaml(extra), "client-direct.yaml");
}

ClientConfig client_config() {
    ClientConfig c;
    c.books.max_books = 64;
    c.books.max_orders = 1u << 16;
    c.books.max_levels = 1u << 14;
    c.feed.reorder_window = 1u << 14;
    c.feed.gap_wait_ns = 200'000;
    c.feed.request_timeout_ns = 20 * kMs;
    c.session.username = "CLIENT";
    c.session.password = "secret";
    c.orders.max_orders = 1024;
    return c;
}

StrategyConfig maker_config() {
    StrategyConfig c;
    c.name = "maker";
    c.symbol = "ACME";
    c.shares = 100;
    c.max_position = 300;
    return c;
}

StrategyConfig quiet_config() {
    StrategyConfig c;
    c.name = "quiet";
    return c;
}

using LiveOrders = std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t>>;

// The client's live orders are exactly the account's live orders on the exchange: same
// tokens, sizes and prices (orders still pending at the exchange are left out). Returns how
// many there are.
template <class W>
std::size_t expect_orders_agree(W& world) {
    const auto& engine = world.exchange->engine();
    LiveOrders client_live;
    world.client->orders().for_each_open([&](const OwnOrder& o) {
        if (o.state != OrderState::kPending) {
            client_live.emplace_back(std::string(o.token.trimmed()), o.open, o.price);
        }
    });
    LiveOrders exchange_live;
    for (std::size_t s = 0; s < engine.symbol_count(); ++s) {
        for (const auto side : {exchange::BookSide::kBuy, exchange::BookSide::kSell}) {
            const exchange::PriceLevels& levels = engine.book(s).side(side);
            for (std::uint32_t l = levels.best(); l != exchange::kNoLevel;
                 l = levels.next_after(l)) {
                for (exchange::OrderIndex r = levels.level(l).head; r != exchange::kNoOrder;
                     r = engine.pool()[r].next) {
                    const exchange::Order& o = engine.pool()[r];
                    if (o.participant == 1) {
                        exchange_live.emplace_back(o.token.str(), o.open, o.price);
                    }
                }
            }
        }
    }
    std::sort(client_live.begin(), client_live.end());
    std::sort(exchange_live.begin(), exchange_live.end());
    EXPECT_EQ(client_live, exchange_live);
    return client_live.size();
}

TEST(ClientAgainstExchange, BooksEqualTheExchangesBooksAfterASeededRun) {
    Maker maker(maker_config());
    World<Maker> world(scenario(), client_config(), maker);
    world.start();
    std::size_t compared = 0;
    std::size_t quotes = 0;
    for (int checkpoint = 0; checkpoint < 4; ++checkpoint) {
        world.run_for(250 * kMs);
        SCOPED_TRACE(checkpoint);
        compared += expect_books_equal(world.client->books(), world.exchange->engine());
        quotes += expect_orders_agree(world);
    }
    EXPECT_GT(compared, 100U);
    EXPECT_GT(quotes, 0U);
    EXPECT_GT(world.client->books().counters().executions, 10U);
    EXPECT_GT(world.client->books().counters().replaces, 10U);
    EXPECT_EQ(world.client->books().counters().unknown_refs, 0U);
    EXPECT_EQ(world.client->feed().counters().requests, 0U);
    EXPECT_EQ(world.client->feed().line(FeedLine::kB).first, 0U);  // B was never needed
    EXPECT_GT(world.client->orders().counters().accepted, 2U);
    EXPECT_GT(world.client->orders().counters().replaced, 2U);
}

TEST(ClientAgainstExchange, FeedBFillsWhatFeedALoses) {
    Maker maker(maker_config());
    World<Maker> world(scenario(), client_config(), maker);
    core::Rng rng(5);
    world.wire.b_lags = true;  // B's copy arrives after A's next packet: a real gap on A
    world.wire.drop_feed = [&](FeedLine line, const exchange::FeedPacketInfo&, std::uint64_t) {
        return line == FeedLine::kA && rng.below(100) < 10;
    };
    world.start();
    world.run_for(800 * kMs);
    EXPECT_GT(world.wire.dropped(FeedLine::kA), 20U);
    const FeedCounters& feed = world.client->feed().counters();
    EXPECT_GT(feed.gaps, 5U);
    EXPECT_EQ(feed.gaps, feed.gaps_filled_by_line);
    EXPECT_EQ(feed.requests, 0U);
    EXPECT_EQ(feed.lost, 0U);
    EXPECT_GT(world.client->feed().line(FeedLine::kB).first, 0U);
    EXPECT_GT(expect_books_equal(world.client->books(), world.exchange->engine()), 50U);
    (void)expect_orders_agree(world);
}

TEST(ClientAgainstExchange, TheRetransmissionServerFillsWhatBothFeedsLose) {
    Maker maker(maker_config());
    World<Maker> world(scenario(), client_config(), maker);
    // Both lines lose the same packets (the same data packet numbers).
    world.wire.drop_feed = [](FeedLine, const exchange::FeedPacketInfo& info, std::uint64_t) {
        return info.message_count != 0 && info.message_count != 0xFFFF &&
               core::mix64(info.first_sequence) % 100 < 8;
    };
    world.start();
    world.run_for(800 * kMs);
    EXPECT_GT(world.wire.dropped(FeedLine::kA), 10U);
    EXPECT_EQ(world.wire.dropped(FeedLine::kA), world.wire.dropped(FeedLine::kB));
    const FeedCounters& feed = world.client->feed().counters();
    EXPECT_GT(feed.requests, 0U);
    EXPECT_EQ(feed.lost, 0U);
    EXPECT_GT(world.client->feed().line(FeedLine::kRetransmission).first, 0U);
    EXPECT_EQ(world.exchange->feed().counters().retransmit_requests, feed.requests);
    EXPECT_GT(expect_books_equal(world.client->books(), world.exchange->engine()), 50U);
    (void)expect_orders_agree(world);
}

TEST(ClientAgainstExchange, AGapNothingCanFillMarksTheBooksStaleAndIsReported) {
    Quiet quiet(quiet_config());
    ClientConfig config = client_config();
    config.feed.max_request_retries = 1;
    World<Quiet> world(scenario(), config, quiet);
    world.wire.drop_retransmissions = true;
    world.wire.drop_feed = [](FeedLine, const exchange::FeedPacketInfo& info, std::uint64_t) {
        return info.message_count > 0 && info.message_count != 0xFFFF &&
               info.first_sequence > 500 && info.first_sequence < 520;
    };
    world.start();
    world.run_for(300 * kMs);
    const FeedCounters& feed = world.client->feed().counters();
    EXPECT_GT(feed.lost, 0U);
    EXPECT_GT(feed.requests_abandoned, 0U);
    EXPECT_GT(feed.request_retries, 0U);
    for (BookId id = 0; id < world.client->books().book_count(); ++id) {
        EXPECT_TRUE(world.client->books().book(id).stale);
    }
    const ClientReport report = make_report(*world.client, "quiet", quiet.counters());
    EXPECT_EQ(report.stale_books, (std::vector<std::string>{"ACME", "BETA", "GAMA"}));
    EXPECT_NE(format_report(report).find("stale books: ACME BETA GAMA"), std::string::npos);
    // The stream went on past the gap.
    EXPECT_GT(world.client->feed().next_sequence(), 1000U);
}

TEST(ClientAgainstExchange, ALateJoinerRecoversTheDayFromTheStart) {
    Quiet quiet(quiet_config());
    World<Quiet> world(scenario(), client_config(), quiet);
    world.start(200 * kMs);
    world.run_for(300 * kMs);
    const FeedCounters& feed = world.client->feed().counters();
    EXPECT_GT(feed.requests, 0U);
    EXPECT_EQ(feed.lost, 0U);
    EXPECT_EQ(world.client->books().counters().directory, 3U);
    EXPECT_GT(expect_books_equal(world.client->books(), world.exchange->engine()), 50U);
}

TEST(ClientAgainstExchange, PingPongAnswersTheTriggerAndHoldsTheFill) {
    StrategyConfig config;
    config.name = "pingpong";
    config.symbol = "ACME";
    config.shares = 100;
    PingPong pingpong(config);
    // No background flow: the trigger is the only trade.
    const exchange::Scenario s = exchange::parse_scenario(R"(name: trigger
seed: 1
session: {date: 2024-01-02, start: "09:30:00"}
symbols:
  - {stock: ACME, tick: 0.01, reference: 10.00, band: 1.00}
users:
  - {username: CLIENT, password: secret, participant: 1, firm: CLNT}
initial_book:
  - {stock: ACME, side: buy, shares: 500, price: 9.99}
  - {stock: ACME, side: sell, shares: 400, price: 10.01}
timeline:
  - at: 100ms
    order: {stock: ACME, side: sell, shares: 100, price: 9.99, token: TRIG1}
    trigger: true
  - {at: 300ms, end_session: true}
)",
                                                          "trigger.yaml");
    World<PingPong> world(s, client_config(), pingpong);
    world.start();
    world.run_for(1000 * kMs);
    const OrderCounters& orders = world.client->orders().counters();
    // The trigger, then our own execution on the feed (before or after its OUCH Executed:
    // answered by neither).
    const StrategyCounters& answered = pingpong.counters();
    EXPECT_EQ(answered.orders, 1U);
    EXPECT_EQ(answered.triggers + answered.own_trades, 2U);
    EXPECT_EQ(answered.triggers - answered.busy, 1U);
    EXPECT_EQ(orders.entered, 1U);
    EXPECT_EQ(orders.accepted, 1U);
    EXPECT_EQ(orders.filled, 1U);
    const Position& p = world.client->orders().position(world.client->books().find("ACME"));
    EXPECT_EQ(p.position, 100);
    EXPECT_EQ(p.buy_value, 100 * 100'100);
    // Bought 100 at 10.01; the book left is 9.99 bid (400) and 10.01 offer (300): mid 10.00.
    const ClientReport report = make_report(*world.client, "pingpong", pingpong.counters());
    ASSERT_EQ(report.symbols.size(), 1U);
    EXPECT_EQ(report.symbols[0].mark, 100'000U);
    EXPECT_EQ(report.unrealized, -100 * 100);
    // The trigger's execution and ours.
    EXPECT_EQ(world.exchange->engine().counters().executions, 2U);
    // The session ended with the day; the feed is complete.
    EXPECT_EQ(world.client->session().state(), SessionState::kEnded);
    EXPECT_TRUE(world.client->feed().complete());
    EXPECT_TRUE(world.client->orders().day_ended());
    (void)expect_books_equal(world.client->books(), world.exchange->engine());
}

TEST(ClientAgainstExchange, AForcedDisconnectIsFollowedByALoginAtTheNextSequenceNumber) {
    Maker maker(maker_config());
    World<Maker> world(scenario(R"(timeline:
  - {at: 300ms, disconnect: CLIENT}
)"),
                       client_config(), maker);
    world.start();
    world.run_for(290 * kMs);
    const std::uint64_t before = world.client->session().next_expected();
    EXPECT_GT(world.client->orders().open_orders(), 0U);
    world.run_for(710 * kMs);
    const SessionCounters& session = world.client->session().counters();
    EXPECT_EQ(session.logins, 2U);
    EXPECT_EQ(session.disconnects, 1U);
    EXPECT_EQ(session.sequence_gaps, 0U);
    EXPECT_GT(world.client->session().next_expected(), before);
    // The exchange canceled our quotes when the session was lost; the replay told us so, and
    // the maker quoted again.
    EXPECT_GT(world.exchange->counters().cancel_on_disconnect, 0U);
    EXPECT_GT(world.client->orders().counters().canceled, 0U);
    EXPECT_EQ(world.client->session().state(), SessionState::kLoggedIn);
    EXPECT_GT(expect_orders_agree(world), 0U);
    EXPECT_GT(expect_books_equal(world.client->books(), world.exchange->engine()), 50U);
}

TEST(ClientAgainstExchange, TheSameSeedGivesTheSameRun) {
    auto run = [] {
        Maker maker(maker_config());
        World<Maker> world(scenario(), client_config(), maker);
        world.start();
        world.run_for(400 * kMs);
        return std::make_tuple(world.exchange->digest().value(),
                               world.client->orders().counters().entered,
                               world.client->orders().position(0).position);
    };
    EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace tb::client::testing
