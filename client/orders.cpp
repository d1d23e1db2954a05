#include "client/orders.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace tb::client {

const char* to_string(OrderState state) noexcept {
    switch (state) {
        case OrderState::kPending:
            return "pending";
        case OrderState::kLive:
            return "live";
        case OrderState::kPartiallyFilled:
            return "partially filled";
        case OrderState::kFilled:
            return "filled";
        case OrderState::kCanceled:
            return "canceled";
        case OrderState::kRejected:
            return "rejected";
    }
    return "unknown";
}

const char* to_string(OrderEventKind kind) noexcept {
    switch (kind) {
        case OrderEventKind::kAccepted:
            return "accepted";
        case OrderEventKind::kRejected:
            return "rejected";
        case OrderEventKind::kExecuted:
            return "executed";
        case OrderEventKind::kCanceled:
            return "canceled";
        case OrderEventKind::kReplaced:
            return "replaced";
        case OrderEventKind::kReplaceRejected:
            return "replace rejected";
        case OrderEventKind::kCancelRejected:
            return "cancel rejected";
        case OrderEventKind::kModified:
            return "modified";
        case OrderEventKind::kBrokenTrade:
            return "broken trade";
    }
    return "unknown";
}

void Position::fill(Side side, Shares shares, Price price) noexcept {
    __extension__ using Int128 = __int128;
    const Money value = static_cast<Money>(price) * shares;
    ++fills;
    last_fill_price = price;
    if (side == Side::kBuy) {
        bought += shares;
        buy_value += value;
    } else {
        sold += shares;
        sell_value += value;
    }
    const std::int64_t direction = side == Side::kBuy ? 1 : -1;
    const std::int64_t size = position < 0 ? -position : position;
    if (position == 0 || (position > 0) == (direction > 0)) {
        position += direction * static_cast<std::int64_t>(shares);
        open_cost += value;
        return;
    }
    // The fill closes (part of) the open position, and may open the other way.
    const std::int64_t closing = std::min<std::int64_t>(shares, size);
    const auto cost = static_cast<Money>(static_cast<Int128>(open_cost) * closing / size);
    const Money proceeds = static_cast<Money>(price) * closing;
    realized += position > 0 ? proceeds - cost : cost - proceeds;
    open_cost -= cost;
    position += direction * closing;
    const std::int64_t opening = static_cast<std::int64_t>(shares) - closing;
    if (position == 0) {
        open_cost = 0;
    }
    if (opening > 0) {
        position = direction * opening;
        open_cost = static_cast<Money>(price) * opening;
    }
}

void validate_order_config(const OrderConfig& config) {
    if (config.max_orders == 0) {
        throw core::ConfigError("orders.max_open: expected a positive count, got 0");
    }
    if (config.token_prefix.empty() || config.token_prefix.size() > 6) {
        throw core::ConfigError("orders.token_prefix: expected 1-6 characters, got '" +
                                config.token_prefix + "'");
    }
    for (const char c : config.token_prefix) {
        if (c <= ' ' || c > '~') {
            throw core::ConfigError("orders.token_prefix: expected printable characters, got '" +
                                    config.token_prefix + "'");
        }
    }
    if (config.firm.size() > 4) {
        throw core::ConfigError("orders.firm: expected at most 4 characters, got '" + config.firm +
                                "'");
    }
    if (config.max_order_shares == 0) {
        throw core::ConfigError("orders.max_order_shares: expected a positive count, got 0");
    }
}

OrderManager::OrderManager(const OrderConfig& config, BookBuilder& books)
    : config_((validate_order_config(config), config)),
      books_(books),
      orders_(config.max_orders),
      in_use_(config.max_orders, false),
      tokens_(2 * static_cast<std::size_t>(config.max_orders)),
      positions_(books.max_books()),
      prefix_(Token::left(config.token_prefix)),
      prefix_length_(config.token_prefix.size()) {
    free_.reserve(config.max_orders);
    for (std::uint32_t i = config.max_orders; i > 0; --i) {
        free_.push_back(i - 1);
    }
}

std::uint32_t OrderManager::allocate() noexcept {
    if (free_.empty()) {
        ++counters_.pool_full;
        return 0xFFFF'FFFF;
    }
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    const std::uint32_t generation = orders_[slot].generation + 1;
    orders_[slot] = OwnOrder{};
    orders_[slot].generation = generation;
    in_use_[slot] = true;
    ++live_;
    return slot;
}

void OrderManager::release(std::uint32_t slot) noexcept {
    OwnOrder& order = orders_[slot];
    tokens_.erase(order.token);
    if (order.replace_pending()) {
        tokens_.erase(order.pending_token);
    }
    in_use_[slot] = false;
    free_.push_back(slot);
}

void OrderManager::retire_previous() noexcept {
    if (retire_ != 0xFFFF'FFFF) {
        release(retire_);
        retire_ = 0xFFFF'FFFF;
    }
}

void OrderManager::finish(std::uint32_t slot, OrderState state) noexcept {
    OwnOrder& order = orders_[slot];
    order.state = state;
    --live_;
    switch (state) {
        case OrderState::kFilled:
            ++counters_.filled;
            break;
        case OrderState::kCanceled:
            ++counters_.canceled;
            if (order.executed > 0) {
                ++counters_.partially_filled;
            }
            break;
        default:
            break;
    }
    retire_ = slot;
}

Token OrderManager::next_token() noexcept {
    Token token = prefix_;
    char digits[24];
    const int n = std::snprintf(digits, sizeof digits, "%llu",
                                static_cast<unsigned long long>(next_token_number_++));
    for (int i = 0; i < n && prefix_length_ + static_cast<std::size_t>(i) < token.bytes.size();
         ++i) {
        token.bytes[prefix_length_ + static_cast<std::size_t>(i)] = digits[i];
    }
    return token;
}

void OrderManager::note_token(const Token& token) noexcept {
    // A replayed token of our own form moves the counter past it.
    if (std::memcmp(token.bytes.data(), prefix_.bytes.data(), prefix_length_) != 0) {
        return;
    }
    std::uint64_t number = 0;
    std::size_t i = prefix_length_;
    for (; i < token.bytes.size() && token.bytes[i] >= '0' && token.bytes[i] <= '9'; ++i) {
        number = number * 10 + static_cast<std::uint64_t>(token.bytes[i] - '0');
    }
    if (i == prefix_length_ || (i < token.bytes.size() && token.bytes[i] != ' ')) {
        return;
    }
    if (number >= next_token_number_) {
        next_token_number_ = number + 1;
    }
}

OrderId OrderManager::enter(BookId book, Side side, Shares shares, Price price,
                            std::uint32_t time_in_force) noexcept {
    if (!budget_left()) {
        ++counters_.budget_exhausted;
        ++counters_.refused;
        return {};
    }
    if (book >= books_.book_count() || shares == 0 || shares > config_.max_order_shares ||
        out_.enter == nullptr) {
        ++counters_.refused;
        return {};
    }
    const std::uint32_t slot = allocate();
    if (slot == 0xFFFF'FFFF) {
        ++counters_.refused;
        return {};
    }
    OwnOrder& order = orders_[slot];
    order.token = next_token();
    order.book = book;
    order.stock = books_.book(book).stock;
    order.side = side;
    order.wire_side = side == Side::kBuy ? ouch::Side::kBuy : ouch::Side::kSell;
    order.price = price;
    order.open = shares;
    order.time_in_force = time_in_force;
    order.sent_ns = now_ns_;
    ouch::EnterOrder m;
    m.order_token = order.token;
    m.side = order.wire_side;
    m.shares = shares;
    m.stock = order.stock;
    m.price = price;
    m.time_in_force = time_in_force;
    m.firm = ouch::Firm::left(config_.firm);
    m.display = config_.display;
    m.capacity = ouch::Capacity::kAgency;
    m.intermarket_sweep_eligibility = ouch::IntermarketSweep::kNotEligible;
    m.minimum_quantity = 0;
    m.cross_type = ouch::CrossType::kNoCross;
    m.customer_type = ouch::CustomerType::kPortDefault;
    if (!tokens_.insert(order.token, slot) || !out_.enter(out_.context, m)) {
        tokens_.erase(order.token);
        in_use_[slot] = false;
        --live_;
        free_.push_back(slot);
        ++counters_.refused;
        return {};
    }
    ++counters_.entered;
    return id_of(slot);
}

bool OrderManager::cancel(OrderId id, Shares new_size) noexcept {
    const OwnOrder* found = order(id);
    if (found == nullptr || is_final(found->state) || out_.cancel == nullptr ||
        new_size >= found->open) {
        ++counters_.refused;
        return false;
    }
    OwnOrder& o = orders_[id.slot];
    ouch::CancelOrder m;
    m.order_token = o.token;
    m.shares = new_size;
    if (!out_.cancel(out_.context, m)) {
        ++counters_.refused;
        return false;
    }
    o.cancel_pending = new_size == 0;
    ++counters_.cancels_sent;
    return true;
}

bool OrderManager::replace(OrderId id, Shares shares, Price price) noexcept {
    const OwnOrder* found = order(id);
    if (found == nullptr || is_final(found->state) || found->replace_pending() ||
        found->cancel_pending || out_.replace == nullptr || shares == 0 ||
        shares > config_.max_order_shares) {
        ++counters_.refused;
        return false;
    }
    const std::uint32_t slot = id.slot;
    OwnOrder& o = orders_[slot];
    const Token replacement = next_token();
    if (!tokens_.insert(replacement, slot)) {
        ++counters_.refused;
        return false;
    }
    ouch::ReplaceOrder m;
    m.existing_order_token = o.token;
    m.replacement_order_token = replacement;
    m.shares = shares;
    m.price = price;
    m.time_in_force = o.time_in_force;
    m.display = config_.display;
    m.intermarket_sweep_eligibility = ouch::IntermarketSweep::kNotEligible;
    m.minimum_quantity = 0;
    if (!out_.replace(out_.context, m)) {
        tokens_.erase(replacement);
        ++counters_.refused;
        return false;
    }
    o.pending_token = replacement;
    ++counters_.replaces_sent;
    return true;
}

struct OrderManager::Apply {
    OrderManager& manager;
    OrderEvent& event;
    bool changed = false;
    template <class M>
    void operator()(const M& message) noexcept {
        changed = manager.on(message, event);
    }
};

bool OrderManager::apply(std::span<const std::uint8_t> message, OrderEvent& event) noexcept {
    retire_previous();
    Apply visitor{*this, event};
    if (ouch::decode_outbound(message, visitor) != proto::Status::kOk) {
        ++counters_.malformed;
        return false;
    }
    return visitor.changed;
}

bool OrderManager::on(const ouch::SystemEventMessage& m, OrderEvent&) noexcept {
    ++counters_.system_events;
    if (m.event_code == ouch::SystemEvent::kEndOfDay) {
        day_ended_ = true;
    }
    return false;
}

bool OrderManager::on(const ouch::Accepted& m, OrderEvent& event) noexcept {
    std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        // Not sent by this process: an order of ours replayed after a restart.
        slot = allocate();
        if (slot == 0xFFFF'FFFF) {
            return false;
        }
        OwnOrder& o = orders_[slot];
        o.token = m.order_token;
        o.book = books_.find_or_create(m.stock);
        if (o.book == kNoBook || !tokens_.insert(o.token, slot)) {
            in_use_[slot] = false;
            --live_;
            free_.push_back(slot);
            ++counters_.unknown_tokens;
            return false;
        }
        o.adopted = true;
        ++counters_.adopted;
        note_token(m.order_token);
    }
    OwnOrder& o = orders_[slot];
    if (o.state != OrderState::kPending) {
        return false;  // a second Accepted for one token changes nothing
    }
    o.stock = m.stock;
    o.wire_side = m.side;
    o.side = m.side == ouch::Side::kBuy ? Side::kBuy : Side::kSell;
    o.price = m.price;
    o.open = m.shares;
    o.time_in_force = m.time_in_force;
    o.exchange_ref = m.order_reference_number;
    ++counters_.accepted;
    event = OrderEvent{OrderEventKind::kAccepted, id_of(slot), &o, m.shares, m.price, 0, ' '};
    if (m.order_state == ouch::OrderState::kDead || o.open == 0) {
        finish(slot, OrderState::kCanceled);
    } else {
        o.state = OrderState::kLive;
    }
    return true;
}

bool OrderManager::on(const ouch::Replaced& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.previous_order_token);
    if (slot == TokenMap::kMissing || orders_[slot].token != m.previous_order_token) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    tokens_.erase(o.token);
    o.token = m.replacement_order_token;
    if (o.pending_token == m.replacement_order_token) {
        o.pending_token = Token{};
    } else if (!tokens_.insert(o.token, slot)) {
        ++counters_.unknown_tokens;
    }
    note_token(o.token);
    o.price = m.price;
    o.open = m.shares;
    if (o.exchange_ref != m.order_reference_number) {
        o.previous_ref = o.exchange_ref;
    }
    o.exchange_ref = m.order_reference_number;
    o.time_in_force = m.time_in_force;
    ++counters_.replaced;
    event = OrderEvent{OrderEventKind::kReplaced, id_of(slot), &o, m.shares, m.price, 0, ' '};
    if (m.order_state == ouch::OrderState::kDead || o.open == 0) {
        finish(slot, OrderState::kCanceled);
    } else {
        o.state = o.executed > 0 ? OrderState::kPartiallyFilled : OrderState::kLive;
    }
    return true;
}

bool OrderManager::cancel_shares(const Token& token, Shares decrement, char reason,
                                 OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(token);
    if (slot == TokenMap::kMissing || orders_[slot].token != token) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    const Shares taken = decrement < o.open ? decrement : o.open;
    o.open -= taken;
    o.canceled += taken;
    event = OrderEvent{OrderEventKind::kCanceled, id_of(slot), &o, taken, o.price, 0, reason};
    if (o.open == 0) {
        o.cancel_pending = false;
        finish(slot, OrderState::kCanceled);
    }
    return true;
}

bool OrderManager::on(const ouch::Canceled& m, OrderEvent& event) noexcept {
    return cancel_shares(m.order_token, m.decrement_shares, static_cast<char>(m.reason), event);
}

bool OrderManager::on(const ouch::AiqCanceled& m, OrderEvent& event) noexcept {
    return cancel_shares(m.order_token, m.decrement_shares, static_cast<char>(m.reason), event);
}

bool OrderManager::on(const ouch::Executed& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing || orders_[slot].token != m.order_token) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    const Shares shares = m.executed_shares < o.open ? m.executed_shares : o.open;
    o.open -= shares;
    o.executed += shares;
    ++counters_.executions;
    counters_.executed_shares += shares;
    positions_[o.book].fill(o.side, shares, m.execution_price);
    event = OrderEvent{OrderEventKind::kExecuted,
                       id_of(slot),
                       &o,
                       shares,
                       m.execution_price,
                       m.match_number,
                       static_cast<char>(m.liquidity_flag)};
    if (o.open == 0) {
        finish(slot, OrderState::kFilled);
    } else {
        o.state = OrderState::kPartiallyFilled;
    }
    return true;
}

bool OrderManager::on(const ouch::BrokenTrade& m, OrderEvent& event) noexcept {
    ++counters_.broken_trades;
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        return false;
    }
    event =
        OrderEvent{OrderEventKind::kBrokenTrade, id_of(slot), &orders_[slot], 0, 0, m.match_number,
                   static_cast<char>(m.reason)};
    return true;
}

bool OrderManager::on(const ouch::Rejected& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    if (o.pending_token == m.order_token) {
        // The replacement was refused; the order stays as it was (OUCH 4.2 section 2.2).
        tokens_.erase(o.pending_token);
        o.pending_token = Token{};
        ++counters_.replace_rejected;
        event = OrderEvent{OrderEventKind::kReplaceRejected, id_of(slot), &o, 0, 0, 0,
                           static_cast<char>(m.reason)};
        return true;
    }
    ++counters_.rejected;
    event = OrderEvent{OrderEventKind::kRejected,  id_of(slot), &o, o.open, o.price, 0,
                       static_cast<char>(m.reason)};
    finish(slot, OrderState::kRejected);
    return true;
}

bool OrderManager::on(const ouch::CancelPending&, OrderEvent&) noexcept {
    return false;
}

bool OrderManager::on(const ouch::CancelReject& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    o.cancel_pending = false;
    ++counters_.cancel_rejected;
    event = OrderEvent{OrderEventKind::kCancelRejected, id_of(slot), &o, 0, 0, 0, ' '};
    return true;
}

bool OrderManager::on(const ouch::OrderPriorityUpdate& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    o.price = m.price;
    if (o.exchange_ref != m.order_reference_number) {
        o.previous_ref = o.exchange_ref;
    }
    o.exchange_ref = m.order_reference_number;
    event = OrderEvent{OrderEventKind::kModified, id_of(slot), &o, o.open, o.price, 0, ' '};
    return true;
}

bool OrderManager::on(const ouch::OrderModified& m, OrderEvent& event) noexcept {
    const std::uint32_t slot = slot_of(m.order_token);
    if (slot == TokenMap::kMissing) {
        ++counters_.unknown_tokens;
        return false;
    }
    OwnOrder& o = orders_[slot];
    o.wire_side = m.side;
    o.side = m.side == ouch::Side::kBuy ? Side::kBuy : Side::kSell;
    o.open = m.shares;
    event = OrderEvent{OrderEventKind::kModified, id_of(slot), &o, o.open, o.price, 0, ' '};
    if (o.open == 0) {
        finish(slot, OrderState::kCanceled);
    }
    return true;
}

}  // namespace tb::client
