// The reference strategies (client/strategies.hpp) inside a TradingClient with a fake
// connection: feed packets in, OUCH orders out, exchange answers back. Also checks the
// TradingClient's dispatch (book updates, trades, order events, stale books).

#include <gtest/gtest.h>

#include <limits>

#include "client/strategies.hpp"
#include "client/trading_client.hpp"
#include "client_test_support.hpp"

namespace tb::client {
namespace {

using namespace testing;

struct FakeIo {
    Bytes stream;
    std::vector<Bytes> requests;
    int connects = 0;
    bool stream_connect() noexcept {
        ++connects;
        return true;
    }
    std::size_t stream_send(std::span<const std::uint8_t> bytes) noexcept {
        stream.insert(stream.end(), bytes.begin(), bytes.end());
        return bytes.size();
    }
    void stream_abort() noexcept {}
    void stream_close() noexcept {}
    bool request_send(std::span<const std::uint8_t> bytes) noexcept {
        requests.emplace_back(bytes.begin(), bytes.end());
        return true;
    }
};

ClientConfig client_config() {
    ClientConfig c;
    c.books.symbols = {"ACME"};
    c.books.max_orders = 256;
    c.books.max_levels = 256;
    c.feed.reorder_window = 256;
    c.session.username = "CLIENT";
    c.session.password = "secret";
    c.orders.max_orders = 16;
    return c;
}

// Decoded inbound OUCH messages a client sent.
struct Sent {
    std::vector<ouch::EnterOrder> enters;
    std::vector<ouch::ReplaceOrder> replaces;
    std::vector<ouch::CancelOrder> cancels;
};

template <class S>
struct Harness {
    explicit Harness(const StrategyConfig& strategy_config, ClientConfig config = client_config())
        : strategy(strategy_config), client(config, strategy, io) {
        client.start(now);
        client.on_stream_connected(now);
        soup::LoginAccepted a;
        a.session = proto::Alpha<10>::right("TB0001");
        a.sequence_number = 1;
        Bytes bytes(64);
        bytes.resize(soup::write_login_accepted(a, bytes));
        client.on_stream_data(bytes, now);
        io.stream.clear();
        // ACME at locate 1, trading.
        feed({directory(1, "ACME"), trading_action(1, "ACME", 'T')});
    }

    void feed(const std::vector<Bytes>& messages) {
        const Bytes p = packet(next_sequence, messages);
        next_sequence += messages.size();
        (void)client.on_feed(FeedLine::kA, p, now);
    }

    template <class M>
    void answer(const M& m) {
        client.on_stream_data(sequenced(m), now);
    }

    // Everything sent since the last call.
    Sent take() {
        Sent sent;
        soup::Framer framer(4096);
        (void)framer.feed(io.stream, [&](std::span<const std::uint8_t> bytes) {
            soup::Packet p;
            if (soup::parse_packet(bytes, p) != proto::Status::kOk ||
                p.type != soup::PacketType::kUnsequencedData) {
                return;
            }
            (void)ouch::decode_inbound(p.payload, [&](const auto& m) {
                using M = std::remove_cvref_t<decltype(m)>;
                if constexpr (std::is_same_v<M, ouch::EnterOrder>) {
                    sent.enters.push_back(m);
                } else if constexpr (std::is_same_v<M, ouch::ReplaceOrder>) {
                    sent.replaces.push_back(m);
                } else if constexpr (std::is_same_v<M, ouch::CancelOrder>) {
                    sent.cancels.push_back(m);
                }
            });
        });
        io.stream.clear();
        return sent;
    }

    FakeIo io;
    S strategy;
    TradingClient<S, FakeIo> client;
    std::uint64_t next_sequence = 1;
    std::int64_t now = 1000;
};

StrategyConfig strategy_config(const char* name) {
    StrategyConfig c;
    c.name = name;
    c.symbol = "ACME";
    c.shares = 100;
    c.max_position = 200;
    return c;
}

TEST(PingPong, AnswersATradeAtOnceWithOneIocAtTheContraBest) {
    Harness<PingPong> h(strategy_config("pingpong"));
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), add_order(1, 2, 'S', 400, "ACME", 100'100)});
    EXPECT_TRUE(h.take().enters.empty());  // adds are not triggers
    h.feed({executed(1, 1, 100, 900)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kBuy);
    EXPECT_EQ(sent.enters[0].price, 100'100U);
    EXPECT_EQ(sent.enters[0].shares, 100U);
    EXPECT_EQ(sent.enters[0].time_in_force, ouch::kTimeInForceImmediateOrCancel);
    // While it is open, more trades are not answered.
    h.feed({executed(1, 1, 100, 901)});
    EXPECT_TRUE(h.take().enters.empty());
    EXPECT_EQ(h.strategy.counters().busy, 1U);
    // It fills; the feed then shows our own execution, which is not a trigger.
    h.answer(accepted(sent.enters[0], 50));
    h.answer(execution(sent.enters[0].order_token, 100, 100'100, 902));
    h.feed({executed(1, 2, 100, 902)});
    EXPECT_TRUE(h.take().enters.empty());
    EXPECT_EQ(h.strategy.counters().own_trades, 1U);
    // The next trade is answered on the other side.
    h.feed({executed(1, 1, 50, 903)});
    sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kSell);
    EXPECT_EQ(sent.enters[0].price, 99'900U);
    EXPECT_EQ(h.client.orders().position(0).position, 100);
    // That one fills nothing: the next answer is a sell again.
    h.answer(accepted(sent.enters[0], 51));
    h.answer(canceled(sent.enters[0].order_token, 100, ouch::CancelReason::kImmediateOrCancel));
    h.feed({executed(1, 1, 50, 904)});
    sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kSell);
}

TEST(PingPong, WithBookTriggersAnyBookChangeIsATrigger) {
    StrategyConfig c = strategy_config("pingpong");
    c.trigger_on_book = true;
    Harness<PingPong> h(c);
    h.feed({add_order(1, 2, 'S', 400, "ACME", 100'100)});
    ASSERT_EQ(h.take().enters.size(), 1U);
}

TEST(PingPong, DoesNotTradeOnAStaleOrHaltedBook) {
    Harness<PingPong> h(strategy_config("pingpong"));
    h.feed({add_order(1, 2, 'S', 400, "ACME", 100'100), trading_action(1, "ACME", 'H')});
    h.feed({trade(1, 'S', 100, "ACME", 100'000, 5)});
    EXPECT_TRUE(h.take().enters.empty());
    EXPECT_EQ(h.strategy.counters().not_tradable, 1U);
}

TEST(Taker, BuysWhenTheOfferCrossesTheThresholdWithinItsLimit) {
    StrategyConfig c = strategy_config("taker");
    c.buy_below = 100'000;
    Harness<Taker> h(c);
    h.feed({add_order(1, 1, 'S', 1000, "ACME", 100'100)});
    EXPECT_TRUE(h.take().enters.empty());
    h.feed({add_order(1, 2, 'S', 1000, "ACME", 99'900)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kBuy);
    EXPECT_EQ(sent.enters[0].price, 99'900U);
    EXPECT_EQ(sent.enters[0].time_in_force, ouch::kTimeInForceImmediateOrCancel);
    h.answer(accepted(sent.enters[0], 10));
    h.answer(execution(sent.enters[0].order_token, 100, 99'900, 1));
    // Filled: still below the threshold, so it buys again, up to the 200-share limit.
    sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    h.answer(accepted(sent.enters[0], 11));
    h.answer(execution(sent.enters[0].order_token, 100, 99'900, 2));
    EXPECT_TRUE(h.take().enters.empty());
    EXPECT_EQ(h.client.orders().position(0).position, 200);
    EXPECT_GE(h.strategy.counters().limited, 1U);
}

TEST(Taker, AfterAnOrderThatFilledNothingItWaitsForTheBook) {
    StrategyConfig c = strategy_config("taker");
    c.sell_above = 100'000;
    Harness<Taker> h(c);
    h.feed({add_order(1, 1, 'B', 1000, "ACME", 100'200)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 1U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kSell);
    h.answer(accepted(sent.enters[0], 10));
    h.answer(canceled(sent.enters[0].order_token, 100, ouch::CancelReason::kImmediateOrCancel));
    EXPECT_TRUE(h.take().enters.empty());
    h.feed({add_order(1, 2, 'B', 1000, "ACME", 100'300)});
    EXPECT_EQ(h.take().enters.size(), 1U);
}

TEST(Maker, QuotesBothSidesAtTheMarketAndFollowsIt) {
    Harness<Maker> h(strategy_config("maker"));
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), add_order(1, 2, 'S', 500, "ACME", 100'100)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 2U);
    EXPECT_EQ(sent.enters[0].side, ouch::Side::kBuy);
    EXPECT_EQ(sent.enters[0].price, 99'900U);
    EXPECT_EQ(sent.enters[0].time_in_force, ouch::kTimeInForceMarketHours);
    EXPECT_EQ(sent.enters[1].side, ouch::Side::kSell);
    EXPECT_EQ(sent.enters[1].price, 100'100U);
    const ouch::EnterOrder bid = sent.enters[0];
    const ouch::EnterOrder ask = sent.enters[1];
    h.answer(accepted(bid, 100));
    h.answer(accepted(ask, 101));
    // Our quotes appear on the feed: joining does not move them.
    h.feed({add_order(1, 100, 'B', 100, "ACME", 99'900),
            add_order(1, 101, 'S', 100, "ACME", 100'100)});
    EXPECT_TRUE(h.take().replaces.empty());
    // A better bid arrives: our bid follows it.
    h.feed({add_order(1, 3, 'B', 300, "ACME", 100'000)});
    sent = h.take();
    ASSERT_EQ(sent.replaces.size(), 1U);
    EXPECT_EQ(sent.replaces[0].existing_order_token, bid.order_token);
    EXPECT_EQ(sent.replaces[0].price, 100'000U);
    EXPECT_EQ(sent.replaces[0].shares, 100U);
}

TEST(Maker, DoesNotChaseItsOwnQuoteWhileTheFeedLagsBehindOrderEntry) {
    Harness<Maker> h(strategy_config("maker"));
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), add_order(1, 5, 'B', 500, "ACME", 99'800),
            add_order(1, 2, 'S', 500, "ACME", 100'100)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 2U);
    const ouch::EnterOrder bid = sent.enters[0];
    EXPECT_EQ(bid.price, 99'900U);
    h.answer(accepted(bid, 100));
    h.answer(accepted(sent.enters[1], 101));
    h.feed({add_order(1, 100, 'B', 100, "ACME", 99'900)});
    // The market's 9.99 bid leaves: ours is alone there, so it moves down to 9.98.
    h.feed({delete_order(1, 1)});
    sent = h.take();
    ASSERT_EQ(sent.replaces.size(), 1U);
    EXPECT_EQ(sent.replaces[0].price, 99'800U);
    // Order entry answers before the feed shows the move (ref 100 is still at 9.99 there).
    ouch::Replaced r;
    r.replacement_order_token = sent.replaces[0].replacement_order_token;
    r.previous_order_token = bid.order_token;
    r.side = ouch::Side::kBuy;
    r.shares = 100;
    r.stock = bid.stock;
    r.price = 99'800;
    r.order_reference_number = 200;
    r.order_state = ouch::OrderState::kLive;
    h.answer(r);
    // Something else happens at the top (an offer joins the best): the bid stays where it is.
    h.feed({add_order(1, 6, 'S', 100, "ACME", 100'100)});
    EXPECT_TRUE(h.take().replaces.empty());
    // The feed catches up; still nothing to do.
    h.feed({replace(1, 100, 200, 100, 99'800)});
    EXPECT_TRUE(h.take().replaces.empty());
}

TEST(Maker, StopsBiddingAtItsInventoryLimit) {
    StrategyConfig c = strategy_config("maker");
    c.max_position = 100;
    Harness<Maker> h(c);
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), add_order(1, 2, 'S', 500, "ACME", 100'100)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 2U);
    h.answer(accepted(sent.enters[0], 100));
    h.answer(accepted(sent.enters[1], 101));
    h.answer(execution(sent.enters[0].order_token, 100, 99'900, 7));  // bid filled: long 100
    sent = h.take();
    EXPECT_TRUE(sent.enters.empty());  // no new bid at the limit
    EXPECT_EQ(h.client.orders().position(0).position, 100);
    EXPECT_GE(h.strategy.counters().limited, 1U);
}

TEST(Maker, CancelsItsQuotesWhenTheBookGoesStale) {
    ClientConfig config = client_config();
    config.feed.max_outstanding_requests = 0;  // no server: gaps are given up
    config.feed.gap_wait_ns = 0;
    Harness<Maker> h(strategy_config("maker"), config);
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), add_order(1, 2, 'S', 500, "ACME", 100'100)});
    Sent sent = h.take();
    ASSERT_EQ(sent.enters.size(), 2U);
    h.answer(accepted(sent.enters[0], 100));
    h.answer(accepted(sent.enters[1], 101));
    // A message is lost for good.
    h.next_sequence += 1;
    h.feed({add_order(1, 3, 'B', 1, "ACME", 99'000)});
    (void)h.client.poll(h.now);
    EXPECT_TRUE(h.client.books().book(0).stale);
    sent = h.take();
    EXPECT_EQ(sent.cancels.size(), 2U);
}

TEST(Quiet, BuildsBooksAndSendsNothing) {
    StrategyConfig c;
    c.name = "quiet";
    Harness<Quiet> h(c);
    h.feed({add_order(1, 1, 'B', 500, "ACME", 99'900), executed(1, 1, 100, 1)});
    EXPECT_TRUE(h.take().enters.empty());
    EXPECT_EQ(h.client.books().best(0, Side::kBuy), (LevelView{99'900, 400, 1}));
}

}  // namespace
}  // namespace tb::client
