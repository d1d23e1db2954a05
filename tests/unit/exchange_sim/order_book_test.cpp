// Behaviour of the matching engine's order book: entry, resting, matching in price-time order,
// partial fills, IOC, cancels and replaces, with the OUCH and ITCH events each one produces.

#include <gtest/gtest.h>

#include "tests/unit/exchange_sim/engine_fixture.hpp"

namespace tb::exchange::testing {
namespace {

using OrderBook = EngineTest;

TEST_F(OrderBook, AcceptedOrderRestsAndIsAddedToTheFeed) {
    const auto events = run(buy(1, "B1", 300, kTen));
    ASSERT_EQ(kinds(events), "OuchAccepted ItchAddOrder");
    const auto accepted = std::get<OuchAccepted>(events[0]);
    EXPECT_EQ(accepted.participant, 1);
    EXPECT_EQ(accepted.token, Token::from("B1"));
    EXPECT_EQ(accepted.side, ouch::Side::kBuy);
    EXPECT_EQ(accepted.shares, 300u);
    EXPECT_EQ(accepted.stock, Stock::from("ACME"));
    EXPECT_EQ(accepted.price, kTen);
    EXPECT_EQ(accepted.firm, Firm::from("FRMA"));
    EXPECT_EQ(accepted.order_ref, 1u);
    EXPECT_EQ(accepted.order_state, ouch::OrderState::kLive);
    EXPECT_EQ(accepted.timestamp_ns, now_ns);
    const auto add = std::get<ItchAddOrder>(events[1]);
    EXPECT_EQ(add.locate, 5);
    EXPECT_EQ(add.order_ref, 1u);
    EXPECT_EQ(add.side, 'B');
    EXPECT_EQ(add.shares, 300u);
    EXPECT_EQ(add.price, kTen);
    EXPECT_EQ(add.timestamp_ns, now_ns);
    EXPECT_EQ(acme().bids.best(), acme().level_of(kTen));
}

TEST_F(OrderBook, AttributableOrderIsAddedWithItsMpid) {
    EnterOrder in = sell(2, "S1", 100, kTen);
    in.display = ouch::Display::kAttributable;
    const auto events = run(in);
    ASSERT_EQ(kinds(events), "OuchAccepted ItchAddOrderMpid");
    EXPECT_EQ(std::get<ItchAddOrderMpid>(events[1]).attribution, Firm::from("FRMB"));
    EXPECT_EQ(std::get<ItchAddOrderMpid>(events[1]).side, 'S');
}

TEST_F(OrderBook, ExplicitFirmOverridesTheAccountDefault) {
    EnterOrder in = sell(2, "S1", 100, kTen);
    in.firm = Firm::from("XYZW");
    in.display = ouch::Display::kAttributable;
    const auto events = run(in);
    EXPECT_EQ(std::get<OuchAccepted>(events[0]).firm, Firm::from("XYZW"));
    EXPECT_EQ(std::get<ItchAddOrderMpid>(events[1]).attribution, Firm::from("XYZW"));
}

TEST_F(OrderBook, NonDisplayedOrderRestsWithoutFeedMessages) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.display = ouch::Display::kNonDisplay;
    EXPECT_EQ(kinds(run(in)), "OuchAccepted");
    ASSERT_NE(live(1, "B1"), nullptr);
    EXPECT_EQ(live(1, "B1")->open, 100u);
}

TEST_F(OrderBook, SellShortRestsOnTheSellSide) {
    const auto events = run(order(1, "S1", ouch::Side::kSellShort, 100, kTen));
    EXPECT_EQ(std::get<OuchAccepted>(events[0]).side, ouch::Side::kSellShort);
    EXPECT_EQ(std::get<ItchAddOrder>(events[1]).side, 'S');
    const auto fill = run(buy(2, "B1", 100, kTen));
    EXPECT_EQ(only<OuchExecuted>(fill).size(), 2u);
}

TEST_F(OrderBook, CapacityOutsideTheListIsAcceptedAsOther) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.capacity = static_cast<ouch::Capacity>('Q');
    EXPECT_EQ(std::get<OuchAccepted>(run(in)[0]).capacity, ouch::Capacity::kOther);
}

TEST_F(OrderBook, CrossingOrderExecutesAtTheRestingPrice) {
    run(sell(1, "S1", 100, kTen));
    const auto events = run(buy(2, "B1", 60, kTen + 5 * kCent));
    ASSERT_EQ(kinds(events), "OuchAccepted ItchOrderExecuted OuchExecuted OuchExecuted");
    const auto feed = std::get<ItchOrderExecuted>(events[1]);
    EXPECT_EQ(feed.order_ref, 1u);
    EXPECT_EQ(feed.executed_shares, 60u);
    EXPECT_EQ(feed.match_number, 1u);
    const auto resting = std::get<OuchExecuted>(events[2]);
    EXPECT_EQ(resting.participant, 1);
    EXPECT_EQ(resting.token, Token::from("S1"));
    EXPECT_EQ(resting.executed_shares, 60u);
    EXPECT_EQ(resting.execution_price, kTen);
    EXPECT_EQ(resting.liquidity_flag, ouch::LiquidityFlag::kAdded);
    const auto incoming = std::get<OuchExecuted>(events[3]);
    EXPECT_EQ(incoming.participant, 2);
    EXPECT_EQ(incoming.execution_price, kTen);
    EXPECT_EQ(incoming.liquidity_flag, ouch::LiquidityFlag::kRemoved);
    EXPECT_EQ(incoming.match_number, 1u);
    EXPECT_EQ(live(1, "S1")->open, 40u);
    EXPECT_EQ(live(2, "B1"), nullptr);
}

TEST_F(OrderBook, IncomingOrderSweepsLevelsInPriceThenTimeOrder) {
    run(sell(1, "S1", 100, kTen + 2 * kCent));
    run(sell(2, "S2", 100, kTen));
    run(sell(1, "S3", 100, kTen));
    run(sell(2, "S4", 100, kTen + kCent));
    const auto events = run(buy(3, "B1", 350, kTen + 2 * kCent));
    const auto feed = only<ItchOrderExecuted>(events);
    ASSERT_EQ(feed.size(), 4u);
    EXPECT_EQ(feed[0].order_ref, 2u);  // S2: best price, first in time
    EXPECT_EQ(feed[1].order_ref, 3u);  // S3: same price, later
    EXPECT_EQ(feed[2].order_ref, 4u);  // S4: next price
    EXPECT_EQ(feed[3].order_ref, 1u);  // S1: worst price, partially
    EXPECT_EQ(feed[3].executed_shares, 50u);
    for (std::size_t i = 0; i < feed.size(); ++i) {
        EXPECT_EQ(feed[i].match_number, i + 1);
    }
    const auto fills = only<OuchExecuted>(events);
    EXPECT_EQ(fills[6].execution_price, kTen + 2 * kCent);
    EXPECT_EQ(live(1, "S1")->open, 50u);
}

TEST_F(OrderBook, PartiallyFilledRestingOrderKeepsItsPlaceInTheQueue) {
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    run(buy(3, "B1", 30, kTen));
    const auto events = run(buy(3, "B2", 80, kTen));
    const auto feed = only<ItchOrderExecuted>(events);
    ASSERT_EQ(feed.size(), 2u);
    EXPECT_EQ(feed[0].order_ref, 1u);
    EXPECT_EQ(feed[0].executed_shares, 70u);
    EXPECT_EQ(feed[1].order_ref, 2u);
    EXPECT_EQ(feed[1].executed_shares, 10u);
}

TEST_F(OrderBook, RemainderOfACrossingOrderRestsAndIsAddedAfterTheExecutions) {
    run(sell(1, "S1", 100, kTen));
    const auto events = run(buy(2, "B1", 250, kTen));
    EXPECT_EQ(kinds(events),
              "OuchAccepted ItchOrderExecuted OuchExecuted OuchExecuted ItchAddOrder");
    EXPECT_EQ(std::get<ItchAddOrder>(events[4]).shares, 150u);
    EXPECT_EQ(std::get<ItchAddOrder>(events[4]).order_ref, 2u);
    EXPECT_EQ(acme().bids.best(), acme().level_of(kTen));
    EXPECT_TRUE(acme().asks.empty());
}

TEST_F(OrderBook, IocRemainderIsCanceledAndNeverRests) {
    run(sell(1, "S1", 100, kTen));
    EnterOrder in = buy(2, "B1", 250, kTen);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    const auto events = run(in);
    EXPECT_EQ(kinds(events),
              "OuchAccepted ItchOrderExecuted OuchExecuted OuchExecuted OuchCanceled");
    const auto canceled = std::get<OuchCanceled>(events[4]);
    EXPECT_EQ(canceled.decrement_shares, 150u);
    EXPECT_EQ(canceled.reason, ouch::CancelReason::kImmediateOrCancel);
    EXPECT_TRUE(acme().bids.empty());
    EXPECT_EQ(live(2, "B1"), nullptr);
}

TEST_F(OrderBook, IocThatDoesNotCrossIsCanceledInFull) {
    EnterOrder in = buy(2, "B1", 100, kTen);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    const auto events = run(in);
    EXPECT_EQ(kinds(events), "OuchAccepted OuchCanceled");
    EXPECT_EQ(std::get<OuchCanceled>(events[1]).decrement_shares, 100u);
    EXPECT_EQ(counters().ioc_canceled, 1u);
}

TEST_F(OrderBook, SystemHoursOrderRestsLikeAMarketHoursOrder) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.time_in_force = ouch::kTimeInForceSystemHours;
    EXPECT_EQ(kinds(run(in)), "OuchAccepted ItchAddOrder");
    EXPECT_EQ(live(1, "B1")->time_in_force(), ouch::kTimeInForceSystemHours);
}

TEST_F(OrderBook, ExecutionOfANonDisplayedOrderIsReportedAsATrade) {
    EnterOrder hidden = sell(1, "S1", 100, kTen);
    hidden.display = ouch::Display::kNonDisplay;
    run(hidden);
    const auto events = run(buy(2, "B1", 40, kTen));
    ASSERT_EQ(kinds(events), "OuchAccepted ItchTrade OuchExecuted OuchExecuted");
    const auto trade = std::get<ItchTrade>(events[1]);
    EXPECT_EQ(trade.order_ref, 0u);
    EXPECT_EQ(trade.side, 'S');
    EXPECT_EQ(trade.shares, 40u);
    EXPECT_EQ(trade.price, kTen);
    EXPECT_EQ(trade.stock, Stock::from("ACME"));
    EXPECT_EQ(trade.match_number, 1u);
    EXPECT_EQ(std::get<OuchExecuted>(events[2]).liquidity_flag,
              ouch::LiquidityFlag::kNonDisplayedAdded);
}

TEST_F(OrderBook, OrderReferenceNumbersAndMatchNumbersAreSequential) {
    run(sell(1, "S1", 100, kTen));
    run(sell(1, "S2", 100, kTen));
    const auto events = run(buy(2, "B1", 300, kTen));
    EXPECT_EQ(std::get<OuchAccepted>(events[0]).order_ref, 3u);
    const auto fills = only<ItchOrderExecuted>(events);
    EXPECT_EQ(fills[0].match_number, 1u);
    EXPECT_EQ(fills[1].match_number, 2u);
    EXPECT_EQ(engine_->next_order_ref(), 4u);
    EXPECT_EQ(engine_->next_match_number(), 3u);
}

TEST_F(OrderBook, CancelInFullRemovesTheOrderAndDeletesItFromTheFeed) {
    run(buy(1, "B1", 100, kTen));
    const auto events = run(cancellation(1, "B1", 0));
    ASSERT_EQ(kinds(events), "OuchCanceled ItchOrderDelete");
    EXPECT_EQ(std::get<OuchCanceled>(events[0]).decrement_shares, 100u);
    EXPECT_EQ(std::get<OuchCanceled>(events[0]).reason, ouch::CancelReason::kUserRequested);
    EXPECT_EQ(std::get<ItchOrderDelete>(events[1]).order_ref, 1u);
    EXPECT_EQ(live(1, "B1"), nullptr);
    EXPECT_TRUE(acme().bids.empty());
}

TEST_F(OrderBook, CancelDownReportsTheDecrementAndKeepsPriority) {
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    const auto events = run(cancellation(1, "S1", 30));
    ASSERT_EQ(kinds(events), "OuchCanceled ItchOrderCancel");
    EXPECT_EQ(std::get<OuchCanceled>(events[0]).decrement_shares, 70u);
    EXPECT_EQ(std::get<ItchOrderCancel>(events[1]).canceled_shares, 70u);
    const auto fills = only<ItchOrderExecuted>(run(buy(3, "B1", 40, kTen)));
    ASSERT_EQ(fills.size(), 2u);
    EXPECT_EQ(fills[0].order_ref, 1u);
    EXPECT_EQ(fills[0].executed_shares, 30u);
}

TEST_F(OrderBook, CancelOfANonDisplayedOrderSendsNoFeedMessage) {
    EnterOrder in = buy(1, "B1", 100, kTen);
    in.display = ouch::Display::kNonDisplay;
    run(in);
    EXPECT_EQ(kinds(run(cancellation(1, "B1", 40))), "OuchCanceled");
    EXPECT_EQ(kinds(run(cancellation(1, "B1", 0))), "OuchCanceled");
}

TEST_F(OrderBook, CancelOfAnUnknownOrDeadOrderIsIgnored) {
    EXPECT_TRUE(run(cancellation(1, "NOPE", 0)).empty());
    run(sell(1, "S1", 100, kTen));
    run(buy(2, "B1", 100, kTen));
    EXPECT_TRUE(run(cancellation(1, "S1", 0)).empty());
    // Tokens belong to one account: another participant cannot cancel it.
    run(buy(1, "B2", 100, kTen));
    EXPECT_TRUE(run(cancellation(2, "B2", 0)).empty());
    EXPECT_EQ(counters().ignored_unknown_token, 3u);
}

TEST_F(OrderBook, CancelToASizeNotBelowTheOpenSizeIsIgnored) {
    run(buy(1, "B1", 100, kTen));
    EXPECT_TRUE(run(cancellation(1, "B1", 100)).empty());
    EXPECT_TRUE(run(cancellation(1, "B1", 500)).empty());
    EXPECT_EQ(live(1, "B1")->open, 100u);
    EXPECT_EQ(counters().ignored_cancel_not_smaller, 2u);
}

TEST_F(OrderBook, ReplaceWithSamePriceAndSmallerSizeKeepsPriority) {
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    const auto events = run(replacement(1, "S1", "S1R", 60, kTen));
    ASSERT_EQ(kinds(events), "OuchReplaced ItchOrderCancel");
    const auto replaced = std::get<OuchReplaced>(events[0]);
    EXPECT_EQ(replaced.replacement_token, Token::from("S1R"));
    EXPECT_EQ(replaced.previous_token, Token::from("S1"));
    EXPECT_EQ(replaced.shares, 60u);
    EXPECT_EQ(replaced.order_ref, 1u);  // unchanged: the order kept its place
    EXPECT_EQ(std::get<ItchOrderCancel>(events[1]).order_ref, 1u);
    EXPECT_EQ(std::get<ItchOrderCancel>(events[1]).canceled_shares, 40u);
    EXPECT_EQ(live(1, "S1"), nullptr);
    ASSERT_NE(live(1, "S1R"), nullptr);
    const auto fills = only<OuchExecuted>(run(buy(3, "B1", 10, kTen)));
    EXPECT_EQ(fills[0].token, Token::from("S1R"));
}

TEST_F(OrderBook, ReplaceWithLargerSizeLosesPriority) {
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    const auto events = run(replacement(1, "S1", "S1R", 150, kTen));
    ASSERT_EQ(kinds(events), "OuchReplaced ItchOrderReplace");
    const auto replace = std::get<ItchOrderReplace>(events[1]);
    EXPECT_EQ(replace.original_order_ref, 1u);
    EXPECT_EQ(replace.new_order_ref, 3u);
    EXPECT_EQ(replace.shares, 150u);
    EXPECT_EQ(std::get<OuchReplaced>(events[0]).order_ref, 3u);
    const auto fills = only<OuchExecuted>(run(buy(3, "B1", 10, kTen)));
    EXPECT_EQ(fills[0].token, Token::from("S2"));
}

TEST_F(OrderBook, ReplaceWithSameSizeLosesPriority) {
    run(sell(1, "S1", 100, kTen));
    run(sell(2, "S2", 100, kTen));
    EXPECT_EQ(kinds(run(replacement(1, "S1", "S1R", 100, kTen))), "OuchReplaced ItchOrderReplace");
    EXPECT_EQ(only<OuchExecuted>(run(buy(3, "B1", 10, kTen)))[0].token, Token::from("S2"));
}

TEST_F(OrderBook, ReplaceWithANewPriceMovesTheOrderWithANewReference) {
    run(buy(1, "B1", 100, kTen));
    const auto events = run(replacement(1, "B1", "B1R", 80, kTen - 3 * kCent));
    ASSERT_EQ(kinds(events), "OuchReplaced ItchOrderReplace");
    const auto replace = std::get<ItchOrderReplace>(events[1]);
    EXPECT_EQ(replace.price, kTen - 3 * kCent);
    EXPECT_EQ(replace.shares, 80u);
    EXPECT_EQ(acme().bids.best(), acme().level_of(kTen - 3 * kCent));
    EXPECT_EQ(acme().bids.level(acme().level_of(kTen)).count, 0u);
}

TEST_F(OrderBook, ReplaceIntoACrossingPriceDeletesThenExecutesThenAddsTheRemainder) {
    run(sell(2, "S1", 50, kTen + kCent));
    run(buy(1, "B1", 100, kTen));
    const auto events = run(replacement(1, "B1", "B1R", 100, kTen + kCent));
    EXPECT_EQ(kinds(events),
              "OuchReplaced ItchOrderDelete ItchOrderExecuted OuchExecuted OuchExecuted "
              "ItchAddOrder");
    EXPECT_EQ(std::get<ItchOrderDelete>(events[1]).order_ref, 2u);
    EXPECT_EQ(std::get<OuchExecuted>(events[4]).token, Token::from("B1R"));
    const auto add = std::get<ItchAddOrder>(events[5]);
    EXPECT_EQ(add.order_ref, 3u);
    EXPECT_EQ(add.shares, 50u);
}

TEST_F(OrderBook, ReplaceToIocThatDoesNotCrossIsCanceled) {
    run(buy(1, "B1", 100, kTen));
    ReplaceOrder in = replacement(1, "B1", "B1R", 100, kTen);
    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    const auto events = run(in);
    EXPECT_EQ(kinds(events), "OuchReplaced ItchOrderDelete OuchCanceled");
    EXPECT_EQ(std::get<OuchCanceled>(events[2]).token, Token::from("B1R"));
    EXPECT_TRUE(acme().bids.empty());
}

TEST_F(OrderBook, ReplaceFromDisplayedToHiddenDeletesTheOrderFromTheFeed) {
    run(buy(1, "B1", 100, kTen));
    ReplaceOrder in = replacement(1, "B1", "B1R", 100, kTen);
    in.display = ouch::Display::kNonDisplay;
    EXPECT_EQ(kinds(run(in)), "OuchReplaced ItchOrderDelete");
    ASSERT_NE(live(1, "B1R"), nullptr);
    EXPECT_FALSE(live(1, "B1R")->displayed);
}

TEST_F(OrderBook, ReplaceFromHiddenToDisplayedAddsTheOrderToTheFeed) {
    EnterOrder hidden = buy(1, "B1", 100, kTen);
    hidden.display = ouch::Display::kNonDisplay;
    run(hidden);
    const auto events = run(replacement(1, "B1", "B1R", 100, kTen));
    ASSERT_EQ(kinds(events), "OuchReplaced ItchAddOrder");
    EXPECT_EQ(std::get<ItchAddOrder>(events[1]).order_ref, 2u);
}

TEST_F(OrderBook, ReplaceOfAFilledOrCanceledOrderIsIgnored) {
    run(sell(1, "S1", 100, kTen));
    run(buy(2, "B1", 100, kTen));
    EXPECT_TRUE(run(replacement(1, "S1", "S1R", 100, kTen)).empty());
    run(buy(1, "B2", 100, kTen));
    run(cancellation(1, "B2", 0));
    EXPECT_TRUE(run(replacement(1, "B2", "B2R", 100, kTen)).empty());
    EXPECT_EQ(counters().ignored_unknown_token, 2u);
    // The ignored replacement tokens were not consumed.
    EXPECT_EQ(kinds(run(buy(1, "S1R", 10, kTen - kCent))), "OuchAccepted ItchAddOrder");
}

TEST_F(OrderBook, ReplaceWithAnAlreadyUsedReplacementTokenIsIgnored) {
    run(buy(1, "B1", 100, kTen));
    run(buy(1, "B2", 100, kTen));
    EXPECT_TRUE(run(replacement(1, "B1", "B2", 50, kTen)).empty());
    EXPECT_EQ(live(1, "B1")->open, 100u);
    EXPECT_EQ(counters().ignored_replacement_token_used, 1u);
}

TEST_F(OrderBook, ReplaceWithInvalidTermsCancelsTheExistingOrder) {
    run(buy(1, "B1", 100, kTen));
    const auto events = run(replacement(1, "B1", "B1R", 100, kTen + kCent / 2));
    ASSERT_EQ(kinds(events), "OuchCanceled ItchOrderDelete");
    EXPECT_EQ(std::get<OuchCanceled>(events[0]).token, Token::from("B1"));
    EXPECT_EQ(std::get<OuchCanceled>(events[0]).decrement_shares, 100u);
    EXPECT_EQ(live(1, "B1"), nullptr);
    // OUCH 4.2 section 2.2: the replacement token is not consumed and may be used again.
    EXPECT_EQ(kinds(run(buy(1, "B1R", 10, kTen))), "OuchAccepted ItchAddOrder");
}

TEST_F(OrderBook, ReplaceWithZeroSharesCancelsTheExistingOrder) {
    run(buy(1, "B1", 100, kTen));
    EXPECT_EQ(kinds(run(replacement(1, "B1", "B1R", 0, kTen))), "OuchCanceled ItchOrderDelete");
    EXPECT_EQ(counters().replaces_canceled_invalid, 1u);
}

TEST_F(OrderBook, ReplaceKeepsSideFirmAndCapacity) {
    EnterOrder in = order(1, "S1", ouch::Side::kSellShort, 100, kTen);
    in.capacity = ouch::Capacity::kPrincipal;
    in.firm = Firm::from("ZZZZ");
    run(in);
    const auto replaced =
        std::get<OuchReplaced>(run(replacement(1, "S1", "S1R", 100, kTen + kCent))[0]);
    EXPECT_EQ(replaced.side, ouch::Side::kSellShort);
    EXPECT_EQ(replaced.firm, Firm::from("ZZZZ"));
    EXPECT_EQ(replaced.capacity, ouch::Capacity::kPrincipal);
    EXPECT_EQ(replaced.stock, Stock::from("ACME"));
    EXPECT_EQ(replaced.price, kTen + kCent);
}

TEST_F(OrderBook, ReplacementOrderCanBeReplacedAgain) {
    run(buy(1, "B1", 100, kTen));
    run(replacement(1, "B1", "B2", 100, kTen - kCent));
    const auto events = run(replacement(1, "B2", "B3", 90, kTen - kCent));
    EXPECT_EQ(std::get<OuchReplaced>(events[0]).previous_token, Token::from("B2"));
    EXPECT_EQ(live(1, "B3")->open, 90u);
}

}  // namespace
}  // namespace tb::exchange::testing
