// Own orders, positions and P&L (client/orders.hpp) from crafted OUCH 4.2 messages: every order
// state, replace and cancel answers, adoption of replayed orders, local checks, and the
// average-cost P&L.

#include <gtest/gtest.h>

#include "client/orders.hpp"
#include "client_test_support.hpp"

namespace tb::client {
namespace {

using namespace testing;

struct Out {
    std::vector<ouch::EnterOrder> entered;
    std::vector<ouch::ReplaceOrder> replaced;
    std::vector<ouch::CancelOrder> canceled;
    bool accept = true;
};

struct OrdersTest : ::testing::Test {
    BookConfig book_config() {
        BookConfig c;
        c.symbols = {"ACME", "BETA"};
        c.max_orders = 64;
        c.max_levels = 64;
        return c;
    }
    OrderConfig order_config() {
        OrderConfig c;
        c.max_orders = 8;
        c.token_prefix = "TB";
        return c;
    }

    BookBuilder books{book_config()};
    OrderManager orders{order_config(), books};
    Out out;

    void SetUp() override {
        OrderOut o;
        o.context = &out;
        o.enter = [](void* c, const ouch::EnterOrder& m) noexcept {
            auto* x = static_cast<Out*>(c);
            x->entered.push_back(m);
            return x->accept;
        };
        o.replace = [](void* c, const ouch::ReplaceOrder& m) noexcept {
            auto* x = static_cast<Out*>(c);
            x->replaced.push_back(m);
            return x->accept;
        };
        o.cancel = [](void* c, const ouch::CancelOrder& m) noexcept {
            auto* x = static_cast<Out*>(c);
            x->canceled.push_back(m);
            return x->accept;
        };
        orders.bind(o);
    }

    // Applies one outbound message; returns the event (kind kAccepted with no order if none).
    template <class M>
    OrderEvent feed(const M& m, bool expect_event = true) {
        OrderEvent event;
        const Bytes bytes = encode(m);
        EXPECT_EQ(orders.apply(bytes, event), expect_event) << M::kName;
        return event;
    }
};

TEST_F(OrdersTest, EnterSendsAnEnterOrderWithAFreshToken) {
    const OrderId id = orders.enter(0, Side::kBuy, 100, 100'000, ouch::kTimeInForceMarketHours);
    ASSERT_TRUE(id.valid());
    ASSERT_EQ(out.entered.size(), 1U);
    const ouch::EnterOrder& m = out.entered[0];
    EXPECT_EQ(m.order_token.trimmed(), "TB1");
    EXPECT_EQ(m.side, ouch::Side::kBuy);
    EXPECT_EQ(m.shares, 100U);
    EXPECT_EQ(m.stock.trimmed(), "ACME");
    EXPECT_EQ(m.price, 100'000U);
    EXPECT_EQ(m.display, ouch::Display::kAnonymous);
    EXPECT_EQ(orders.order(id)->state, OrderState::kPending);
    const OrderId second = orders.enter(1, Side::kSell, 5, 1, ouch::kTimeInForceImmediateOrCancel);
    EXPECT_EQ(out.entered[1].order_token.trimmed(), "TB2");
    EXPECT_EQ(out.entered[1].side, ouch::Side::kSell);
    EXPECT_NE(second, id);
    EXPECT_EQ(orders.open_orders(), 2U);
}

TEST_F(OrdersTest, LiveThenPartiallyFilledThenFilled) {
    const OrderId id = orders.enter(0, Side::kBuy, 300, 1000, ouch::kTimeInForceMarketHours);
    OrderEvent e = feed(accepted(out.entered[0], 42));
    EXPECT_EQ(e.kind, OrderEventKind::kAccepted);
    EXPECT_EQ(e.id, id);
    EXPECT_EQ(orders.order(id)->state, OrderState::kLive);
    EXPECT_EQ(orders.order(id)->exchange_ref, 42U);
    e = feed(execution(out.entered[0].order_token, 100, 1000, 7));
    EXPECT_EQ(e.kind, OrderEventKind::kExecuted);
    EXPECT_EQ(e.shares, 100U);
    EXPECT_EQ(e.match_number, 7U);
    EXPECT_EQ(orders.order(id)->state, OrderState::kPartiallyFilled);
    EXPECT_EQ(orders.order(id)->open, 200U);
    e = feed(execution(out.entered[0].order_token, 200, 990, 8));
    EXPECT_EQ(e.order->state, OrderState::kFilled);
    EXPECT_EQ(orders.counters().filled, 1U);
    const Position& p = orders.position(0);
    EXPECT_EQ(p.position, 300);
    EXPECT_EQ(p.bought, 300U);
    EXPECT_EQ(p.buy_value, 100 * 1000 + 200 * 990);
    EXPECT_EQ(p.fills, 2U);
    // The final order stays readable until the next message, then its slot is free.
    EXPECT_NE(orders.order(id), nullptr);
    (void)feed(ouch::SystemEventMessage{}, false);
    EXPECT_EQ(orders.order(id), nullptr);
    EXPECT_EQ(orders.open_orders(), 0U);
}

TEST_F(OrdersTest, CanceledDownStaysLiveCanceledOutEnds) {
    const OrderId id = orders.enter(0, Side::kSell, 300, 1000, ouch::kTimeInForceMarketHours);
    (void)feed(accepted(out.entered[0], 1));
    ASSERT_TRUE(orders.cancel(id, 100));
    ASSERT_EQ(out.canceled.size(), 1U);
    EXPECT_EQ(out.canceled[0].shares, 100U);
    OrderEvent e = feed(canceled(out.entered[0].order_token, 200));
    EXPECT_EQ(e.kind, OrderEventKind::kCanceled);
    EXPECT_EQ(orders.order(id)->state, OrderState::kLive);
    EXPECT_EQ(orders.order(id)->open, 100U);
    ASSERT_TRUE(orders.cancel(id));
    EXPECT_TRUE(orders.order(id)->cancel_pending);
    e = feed(canceled(out.entered[0].order_token, 100));
    EXPECT_EQ(e.order->state, OrderState::kCanceled);
    EXPECT_EQ(e.reason, 'U');
    EXPECT_EQ(orders.counters().canceled, 1U);
}

TEST_F(OrdersTest, AnIocRemainderEndsPartiallyFilled) {
    (void)orders.enter(0, Side::kBuy, 300, 1000, ouch::kTimeInForceImmediateOrCancel);
    (void)feed(accepted(out.entered[0], 1));
    (void)feed(execution(out.entered[0].order_token, 100, 1000, 1));
    const OrderEvent e =
        feed(canceled(out.entered[0].order_token, 200, ouch::CancelReason::kImmediateOrCancel));
    EXPECT_EQ(e.order->state, OrderState::kCanceled);
    EXPECT_EQ(e.order->executed, 100U);
    EXPECT_EQ(orders.counters().partially_filled, 1U);
}

TEST_F(OrdersTest, RejectedIsFinal) {
    const OrderId id = orders.enter(0, Side::kBuy, 100, 1, ouch::kTimeInForceMarketHours);
    ouch::Rejected r;
    r.order_token = out.entered[0].order_token;
    r.reason = ouch::RejectReason::kInvalidPrice;
    const OrderEvent e = feed(r);
    EXPECT_EQ(e.kind, OrderEventKind::kRejected);
    EXPECT_EQ(e.reason, 'X');
    EXPECT_EQ(orders.order(id)->state, OrderState::kRejected);
    EXPECT_FALSE(orders.cancel(id));
}

TEST_F(OrdersTest, ReplacedMovesTheOrderToItsNewToken) {
    const OrderId id = orders.enter(0, Side::kBuy, 100, 1000, ouch::kTimeInForceMarketHours);
    (void)feed(accepted(out.entered[0], 1));
    ASSERT_TRUE(orders.replace(id, 200, 1100));
    ASSERT_EQ(out.replaced.size(), 1U);
    const ouch::ReplaceOrder& m = out.replaced[0];
    EXPECT_EQ(m.existing_order_token, out.entered[0].order_token);
    EXPECT_EQ(m.replacement_order_token.trimmed(), "TB2");
    EXPECT_TRUE(orders.order(id)->replace_pending());
    EXPECT_FALSE(orders.replace(id, 300, 1200));  // one at a time
    ouch::Replaced r;
    r.replacement_order_token = m.replacement_order_token;
    r.previous_order_token = m.existing_order_token;
    r.side = ouch::Side::kBuy;
    r.shares = 200;
    r.stock = out.entered[0].stock;
    r.price = 1100;
    r.order_reference_number = 2;
    r.order_state = ouch::OrderState::kLive;
    const OrderEvent e = feed(r);
    EXPECT_EQ(e.kind, OrderEventKind::kReplaced);
    EXPECT_EQ(e.id, id);
    const OwnOrder* o = orders.order(id);
    EXPECT_EQ(o->token, m.replacement_order_token);
    EXPECT_FALSE(o->replace_pending());
    EXPECT_EQ(o->price, 1100U);
    EXPECT_EQ(o->open, 200U);
    EXPECT_EQ(o->exchange_ref, 2U);
    EXPECT_EQ(orders.find(out.entered[0].order_token), nullptr);
    // Executions now name the new token.
    (void)feed(execution(m.replacement_order_token, 200, 1100, 3));
    EXPECT_EQ(orders.position(0).position, 200);
}

TEST_F(OrdersTest, ARejectedReplaceLeavesTheOrderAsItWas) {
    const OrderId id = orders.enter(0, Side::kBuy, 100, 1000, ouch::kTimeInForceMarketHours);
    (void)feed(accepted(out.entered[0], 1));
    ASSERT_TRUE(orders.replace(id, 200, 1100));
    ouch::Rejected r;
    r.order_token = out.replaced[0].replacement_order_token;
    r.reason = ouch::RejectReason::kHalted;
    const OrderEvent e = feed(r);
    EXPECT_EQ(e.kind, OrderEventKind::kReplaceRejected);
    const OwnOrder* o = orders.order(id);
    EXPECT_EQ(o->state, OrderState::kLive);
    EXPECT_FALSE(o->replace_pending());
    EXPECT_EQ(o->price, 1000U);
    EXPECT_EQ(orders.find(out.replaced[0].replacement_order_token), nullptr);
}

TEST_F(OrdersTest, ACancelRejectClearsThePendingCancel) {
    const OrderId id = orders.enter(0, Side::kBuy, 100, 1000, ouch::kTimeInForceMarketHours);
    (void)feed(accepted(out.entered[0], 1));
    ASSERT_TRUE(orders.cancel(id));
    ouch::CancelReject r;
    r.order_token = out.entered[0].order_token;
    const OrderEvent e = feed(r);
    EXPECT_EQ(e.kind, OrderEventKind::kCancelRejected);
    EXPECT_FALSE(orders.order(id)->cancel_pending);
}

TEST_F(OrdersTest, ReplayedOrdersOfARestartedClientAreAdopted) {
    ouch::EnterOrder earlier;
    earlier.order_token = proto::Alpha<14>::left("TB41");
    earlier.side = ouch::Side::kSell;
    earlier.shares = 500;
    earlier.stock = Stock::left("BETA");
    earlier.price = 2000;
    const OrderEvent e = feed(accepted(earlier, 9));
    ASSERT_EQ(e.kind, OrderEventKind::kAccepted);
    EXPECT_TRUE(e.order->adopted);
    EXPECT_EQ(e.order->book, 1U);
    EXPECT_EQ(e.order->side, Side::kSell);
    (void)feed(execution(earlier.order_token, 200, 2000, 1));
    EXPECT_EQ(orders.position(1).position, -200);
    // New tokens continue after the replayed ones.
    (void)orders.enter(0, Side::kBuy, 1, 1, ouch::kTimeInForceMarketHours);
    EXPECT_EQ(out.entered.back().order_token.trimmed(), "TB42");
    EXPECT_EQ(orders.counters().adopted, 1U);
}

TEST_F(OrdersTest, LocalChecksRefuseBadOrders) {
    EXPECT_FALSE(orders.enter(7, Side::kBuy, 1, 1, 0).valid());          // no such book
    EXPECT_FALSE(orders.enter(0, Side::kBuy, 0, 1, 0).valid());          // no shares
    EXPECT_FALSE(orders.enter(0, Side::kBuy, 2'000'000, 1, 0).valid());  // too large
    out.accept = false;
    EXPECT_FALSE(orders.enter(0, Side::kBuy, 1, 1, 0).valid());  // the session refused
    EXPECT_EQ(orders.open_orders(), 0U);
    out.accept = true;
    for (int i = 0; i < 8; ++i) {
        EXPECT_TRUE(orders.enter(0, Side::kBuy, 1, 1, 0).valid());
    }
    EXPECT_FALSE(orders.enter(0, Side::kBuy, 1, 1, 0).valid());  // pool of 8 full
    EXPECT_EQ(orders.counters().pool_full, 1U);
    EXPECT_EQ(orders.counters().refused, 5U);
}

TEST_F(OrdersTest, TheOrderBudgetBoundsARun) {
    OrderConfig c = order_config();
    c.max_orders_sent = 2;
    OrderManager limited(c, books);
    OrderOut o;
    o.context = &out;
    o.enter = [](void*, const ouch::EnterOrder&) noexcept { return true; };
    limited.bind(o);
    EXPECT_TRUE(limited.enter(0, Side::kBuy, 1, 1, 0).valid());
    EXPECT_TRUE(limited.enter(0, Side::kBuy, 1, 1, 0).valid());
    EXPECT_FALSE(limited.budget_left());
    EXPECT_FALSE(limited.enter(0, Side::kBuy, 1, 1, 0).valid());
    EXPECT_EQ(limited.counters().budget_exhausted, 1U);
}

TEST_F(OrdersTest, UnknownTokensAndMalformedMessagesAreCounted) {
    (void)feed(execution(proto::Alpha<14>::left("NOPE"), 1, 1, 1), false);
    (void)feed(canceled(proto::Alpha<14>::left("NOPE"), 1), false);
    EXPECT_EQ(orders.counters().unknown_tokens, 2U);
    OrderEvent e;
    EXPECT_FALSE(orders.apply(Bytes{'E', 1, 2}, e));
    EXPECT_FALSE(orders.apply(Bytes{}, e));
    EXPECT_EQ(orders.counters().malformed, 2U);
    ouch::SystemEventMessage end;
    end.event_code = ouch::SystemEvent::kEndOfDay;
    (void)feed(end, false);
    EXPECT_TRUE(orders.day_ended());
}

TEST(Position, RealizesProfitByAverageCost) {
    Position p;
    p.fill(Side::kBuy, 100, 10'0000);
    p.fill(Side::kBuy, 100, 12'0000);  // average cost 11
    EXPECT_EQ(p.position, 200);
    EXPECT_EQ(p.unrealized(13'0000), 200 * 2'0000);
    p.fill(Side::kSell, 50, 15'0000);  // realizes 50 * (15 - 11)
    EXPECT_EQ(p.realized, 50 * 4'0000);
    EXPECT_EQ(p.position, 150);
    p.fill(Side::kSell, 250, 9'0000);  // closes 150 at a loss of 2 each, opens 100 short at 9
    EXPECT_EQ(p.realized, 50 * 4'0000 - 150 * 2'0000);
    EXPECT_EQ(p.position, -100);
    EXPECT_EQ(p.open_cost, 100 * 9'0000);
    EXPECT_EQ(p.unrealized(8'0000), 100 * 1'0000);
    p.fill(Side::kBuy, 100, 8'0000);
    EXPECT_EQ(p.position, 0);
    EXPECT_EQ(p.open_cost, 0);
    EXPECT_EQ(p.realized, 50 * 4'0000 - 150 * 2'0000 + 100 * 1'0000);
    // Realized P&L equals cash when flat.
    EXPECT_EQ(p.realized, p.cash());
}

}  // namespace
}  // namespace tb::client
