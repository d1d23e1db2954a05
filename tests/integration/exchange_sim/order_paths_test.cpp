// Every order path of the matching engine seen through the wire, OUCH 4.2 (the clients'
// streams) and ITCH 5.0 (feed A) together: rest, attributable rest, full and partial fills,
// IOC remainder, non-displayed executions, cancels (full and partial), replaces that keep or
// lose priority, an invalid replace, rejects, anti-internalization, halts and resumes.

#include <gtest/gtest.h>

#include "tests/integration/exchange_sim/harness.hpp"

namespace tb::exchange::testing {
namespace {

constexpr std::uint32_t kTen = 100'000;  // $10.00
constexpr std::uint32_t kCent = 100;

class OrderPaths : public ::testing::Test {
protected:
    void SetUp() override { start(""); }

    void start(const std::string& extra) {
        alice.reset();
        bob.reset();
        h = std::make_unique<Harness>(parse_scenario(base_scenario_yaml() + extra, "test.yaml"));
        alice = std::make_unique<TestClient>(*h);
        bob = std::make_unique<TestClient>(*h);
        ASSERT_TRUE(alice->connect());
        alice->login("ALICE", "secret1");
        ASSERT_TRUE(bob->connect());
        bob->login("BOB", "secret2");
        header_messages = FeedLog::decode(h->transport.feed_a).messages.size();
    }

    // ITCH messages after the start-of-day block.
    FeedLog feed() const {
        FeedLog log = FeedLog::decode(h->transport.feed_a);
        log.messages.erase(log.messages.begin(),
                           log.messages.begin() + static_cast<long>(header_messages));
        return log;
    }
    std::string feed_types() const {
        std::string types;
        for (const FeedLog::Message& m : feed().messages) {
            types += m.type();
        }
        return types;
    }
    static std::string ouch_types(TestClient& client) {
        std::string types;
        for (const auto& m : client.view().sequenced) {
            types += static_cast<char>(m.at(0));
        }
        return types.substr(1);  // without Start of Day
    }

    std::unique_ptr<Harness> h;
    std::unique_ptr<TestClient> alice;
    std::unique_ptr<TestClient> bob;
    std::size_t header_messages = 0;
};

TEST_F(OrderPaths, RestingOrderIsAcceptedAndAddedToTheFeed) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 300, "ACME", kTen - kCent));
    const auto accepted = alice->messages<ouchw::Accepted>();
    ASSERT_EQ(accepted.size(), 1u);
    EXPECT_EQ(accepted[0].order_state, ouchw::OrderState::kLive);
    EXPECT_EQ(accepted[0].firm.trimmed(), "FRMA");  // the account's default firm
    const auto adds = feed().of_type<itchw::AddOrder>();
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].order_reference_number, accepted[0].order_reference_number);
    EXPECT_EQ(adds[0].shares, 300u);
    EXPECT_EQ(adds[0].price, kTen - kCent);
    EXPECT_EQ(adds[0].stock.trimmed(), "ACME");
    EXPECT_EQ(adds[0].stock_locate, 1u);
    EXPECT_EQ(adds[0].side, itchw::Side::kBuy);
    EXPECT_EQ(adds[0].timestamp_ns, accepted[0].timestamp_ns);
}

TEST_F(OrderPaths, AttributableOrderShowsItsMpid) {
    auto order = enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen + kCent);
    order.display = ouchw::Display::kAttributable;
    alice->send_ouch(order);
    const auto adds = feed().of_type<itchw::AddOrderMpid>();
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].attribution.trimmed(), "FRMA");
}

TEST_F(OrderPaths, FullFillSendsExecutedToBothAndOrderExecutedOnTheFeed) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kSell, 200, "ACME", kTen));
    bob->send_ouch(enter_order("B1", ouchw::Side::kBuy, 200, "ACME", kTen + 5 * kCent));
    const auto maker = alice->messages<ouchw::Executed>();
    const auto taker = bob->messages<ouchw::Executed>();
    ASSERT_EQ(maker.size(), 1u);
    ASSERT_EQ(taker.size(), 1u);
    EXPECT_EQ(maker[0].liquidity_flag, ouchw::LiquidityFlag::kAdded);
    EXPECT_EQ(taker[0].liquidity_flag, ouchw::LiquidityFlag::kRemoved);
    EXPECT_EQ(maker[0].match_number, taker[0].match_number);
    EXPECT_EQ(taker[0].execution_price, kTen);  // the resting order's price
    const auto executed = feed().of_type<itchw::OrderExecuted>();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].executed_shares, 200u);
    EXPECT_EQ(executed[0].match_number, maker[0].match_number);
    EXPECT_EQ(feed_types(), "AE");  // no Add for the fully filled taker
    EXPECT_EQ(ouch_types(*bob), "AE");
}

TEST_F(OrderPaths, PartialFillRestsTheRemainder) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen));
    bob->send_ouch(enter_order("B1", ouchw::Side::kBuy, 300, "ACME", kTen));
    EXPECT_EQ(feed_types(), "AEA");
    const auto adds = feed().of_type<itchw::AddOrder>();
    ASSERT_EQ(adds.size(), 2u);
    EXPECT_EQ(adds[1].shares, 200u);
    EXPECT_EQ(adds[1].side, itchw::Side::kBuy);
}

TEST_F(OrderPaths, IocRemainderIsCanceledAndNeverAdded) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen));
    bob->send_ouch(enter_order("B1", ouchw::Side::kBuy, 300, "ACME", kTen,
                               ouchw::kTimeInForceImmediateOrCancel));
    EXPECT_EQ(ouch_types(*bob), "AEC");
    const auto canceled = bob->messages<ouchw::Canceled>();
    ASSERT_EQ(canceled.size(), 1u);
    EXPECT_EQ(canceled[0].decrement_shares, 200u);
    EXPECT_EQ(canceled[0].reason, ouchw::CancelReason::kImmediateOrCancel);
    EXPECT_EQ(feed_types(), "AE");
}

TEST_F(OrderPaths, ExecutionOfANonDisplayedOrderIsATradeMessage) {
    auto hidden = enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen);
    hidden.display = ouchw::Display::kNonDisplay;
    alice->send_ouch(hidden);
    EXPECT_EQ(feed_types(), "");
    bob->send_ouch(enter_order("B1", ouchw::Side::kBuy, 100, "ACME", kTen));
    const auto trades = feed().of_type<itchw::Trade>();
    ASSERT_EQ(trades.size(), 1u);
    EXPECT_EQ(trades[0].order_reference_number, 0u);
    EXPECT_EQ(trades[0].side, itchw::Side::kSell);
    EXPECT_EQ(trades[0].shares, 100u);
    EXPECT_EQ(alice->messages<ouchw::Executed>()[0].liquidity_flag,
              ouchw::LiquidityFlag::kNonDisplayedAdded);
}

TEST_F(OrderPaths, FullCancelDeletesAndPartialCancelReducesInPlace) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 500, "ACME", kTen - kCent));
    ouchw::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("A1");
    cancel.shares = 200;
    alice->send_ouch(cancel);
    cancel.shares = 0;
    alice->send_ouch(cancel);
    EXPECT_EQ(ouch_types(*alice), "ACC");
    const auto canceled = alice->messages<ouchw::Canceled>();
    EXPECT_EQ(canceled[0].decrement_shares, 300u);
    EXPECT_EQ(canceled[1].decrement_shares, 200u);
    EXPECT_EQ(feed_types(), "AXD");
    EXPECT_EQ(feed().of_type<itchw::OrderCancel>()[0].cancelled_shares, 300u);
}

TEST_F(OrderPaths, ReplaceDownInSizeKeepsPriorityAndShowsAnOrderCancel) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 500, "ACME", kTen - kCent));
    ouchw::ReplaceOrder replace;
    replace.existing_order_token = proto::Alpha<14>::left("A1");
    replace.replacement_order_token = proto::Alpha<14>::left("A2");
    replace.shares = 200;
    replace.price = kTen - kCent;
    replace.display = ouchw::Display::kAnonymous;
    alice->send_ouch(replace);
    const auto replaced = alice->messages<ouchw::Replaced>();
    ASSERT_EQ(replaced.size(), 1u);
    EXPECT_EQ(replaced[0].previous_order_token.trimmed(), "A1");
    EXPECT_EQ(replaced[0].replacement_order_token.trimmed(), "A2");
    EXPECT_EQ(replaced[0].shares, 200u);
    EXPECT_EQ(feed_types(), "AX");
    EXPECT_EQ(replaced[0].order_reference_number,
              alice->messages<ouchw::Accepted>()[0].order_reference_number);
}

TEST_F(OrderPaths, ReplaceToANewPriceShowsAnOrderReplace) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 500, "ACME", kTen - kCent));
    ouchw::ReplaceOrder replace;
    replace.existing_order_token = proto::Alpha<14>::left("A1");
    replace.replacement_order_token = proto::Alpha<14>::left("A2");
    replace.shares = 500;
    replace.price = kTen - 2 * kCent;
    replace.display = ouchw::Display::kAnonymous;
    alice->send_ouch(replace);
    const auto replaces = feed().of_type<itchw::OrderReplace>();
    ASSERT_EQ(replaces.size(), 1u);
    const auto replaced = alice->messages<ouchw::Replaced>();
    ASSERT_EQ(replaced.size(), 1u);
    EXPECT_EQ(replaces[0].new_order_reference_number, replaced[0].order_reference_number);
    EXPECT_EQ(replaces[0].original_order_reference_number,
              alice->messages<ouchw::Accepted>()[0].order_reference_number);
    EXPECT_EQ(replaces[0].price, kTen - 2 * kCent);
}

TEST_F(OrderPaths, ReplaceWithAnInvalidPriceCancelsTheOriginal) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 500, "ACME", kTen - kCent));
    ouchw::ReplaceOrder replace;
    replace.existing_order_token = proto::Alpha<14>::left("A1");
    replace.replacement_order_token = proto::Alpha<14>::left("A2");
    replace.shares = 500;
    replace.price = kTen - kCent / 2;  // off the tick grid
    replace.display = ouchw::Display::kAnonymous;
    alice->send_ouch(replace);
    EXPECT_EQ(ouch_types(*alice), "AC");
    EXPECT_EQ(alice->messages<ouchw::Canceled>()[0].reason, ouchw::CancelReason::kUserRequested);
    EXPECT_EQ(feed_types(), "AD");
}

TEST_F(OrderPaths, InvalidOrdersAreRejectedWithTheSpecsReasons) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "NOPE", kTen));
    alice->send_ouch(enter_order("A2", ouchw::Side::kBuy, 100, "ACME", kTen + 1));
    alice->send_ouch(enter_order("A3", ouchw::Side::kBuy, 0, "ACME", kTen));
    alice->send_ouch(enter_order("A4", ouchw::Side::kBuy, 100, "ACME", 3 * kTen));
    const auto rejected = alice->messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 4u);
    EXPECT_EQ(rejected[0].reason, ouchw::RejectReason::kInvalidStock);
    EXPECT_EQ(rejected[1].reason, ouchw::RejectReason::kInvalidPrice);
    EXPECT_EQ(rejected[2].reason, ouchw::RejectReason::kOther);
    EXPECT_EQ(rejected[3].reason, ouchw::RejectReason::kInvalidPrice);
    EXPECT_EQ(feed_types(), "");
}

TEST_F(OrderPaths, AntiInternalizationCancelsInsteadOfTrading) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen));
    alice->send_ouch(enter_order("A2", ouchw::Side::kBuy, 100, "ACME", kTen));
    const auto aiq = alice->messages<ouchw::AiqCanceled>();
    ASSERT_EQ(aiq.size(), 2u);
    EXPECT_EQ(aiq[0].reason, ouchw::CancelReason::kSelfMatchPrevention);
    EXPECT_TRUE(alice->messages<ouchw::Executed>().empty());
    EXPECT_EQ(feed_types(), "AD");
}

TEST_F(OrderPaths, HaltRejectsOrdersAllowsCancelsAndResumeTradesAgain) {
    start(R"(timeline:
  - {at: 1ms, halt: {stock: ACME, reason: T1}}
  - {at: 2ms, resume: ACME}
)");
    alice->send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", kTen - kCent));
    h->run_for(1'500'000);
    alice->send_ouch(enter_order("A2", ouchw::Side::kBuy, 100, "ACME", kTen - kCent));
    ouchw::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("A1");
    alice->send_ouch(cancel);
    h->run_for(1'000'000);
    alice->send_ouch(enter_order("A3", ouchw::Side::kBuy, 100, "ACME", kTen - kCent));
    EXPECT_EQ(ouch_types(*alice), "AJCA");
    EXPECT_EQ(alice->messages<ouchw::Rejected>()[0].reason, ouchw::RejectReason::kHalted);
    const auto actions = feed().of_type<itchw::StockTradingAction>();
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(actions[0].trading_state, itchw::TradingState::kHalted);
    EXPECT_EQ(actions[0].reason.trimmed(), "T1");
    EXPECT_EQ(actions[1].trading_state, itchw::TradingState::kTrading);
    EXPECT_EQ(feed_types(), "AHDHA");
}

TEST_F(OrderPaths, PostOnlyThatWouldTakeIsRejectedAndMinimumQuantityUnmetTradesNothing) {
    alice->send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen));
    auto post_only = enter_order("B1", ouchw::Side::kBuy, 100, "ACME", kTen);
    post_only.display = ouchw::Display::kPostOnly;
    bob->send_ouch(post_only);
    auto minimum = enter_order("B2", ouchw::Side::kBuy, 300, "ACME", kTen,
                               ouchw::kTimeInForceImmediateOrCancel);
    minimum.minimum_quantity = 200;
    bob->send_ouch(minimum);
    EXPECT_EQ(ouch_types(*bob), "JAC");
    EXPECT_EQ(bob->messages<ouchw::Rejected>()[0].reason, ouchw::RejectReason::kOther);
    const auto canceled = bob->messages<ouchw::Canceled>();
    ASSERT_EQ(canceled.size(), 1u);
    EXPECT_EQ(canceled[0].decrement_shares, 300u);
    EXPECT_EQ(canceled[0].reason, ouchw::CancelReason::kImmediateOrCancel);
    EXPECT_EQ(feed_types(), "A");  // only ALICE's resting order
}

TEST_F(OrderPaths, TimelineOrdersTradeWithClientsFromMarketOperations) {
    start(R"(timeline:
  - {at: 1ms, order: {stock: ACME, side: sell, shares: 100, price: 10.00, token: OPS1}}
  - {at: 2ms, cancel: {token: OPS1}}
)");
    h->run_for(1'500'000);
    bob->send_ouch(enter_order("B1", ouchw::Side::kBuy, 40, "ACME", kTen));
    h->run_for(1'000'000);
    EXPECT_EQ(bob->messages<ouchw::Executed>().size(), 1u);
    EXPECT_EQ(feed_types(), "AED");
    EXPECT_EQ(h->exchange->counters().timeline_events, 2u);
}

}  // namespace
}  // namespace tb::exchange::testing
