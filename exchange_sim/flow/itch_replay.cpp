#include "exchange_sim/flow/itch_replay.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace tb::exchange {

namespace itch_wire = tb::proto::itch;

ItchReplay::ItchReplay(const ItchReplayConfig& config)
    : symbols_(config.symbols),
      speed_(config.speed),
      maker_(config.maker),
      taker_(config.taker),
      max_skip_(std::max<std::size_t>(config.max_skip_per_poll, 1)),
      orders_(config.max_orders),
      map_(config.max_orders) {
    if (!(config.speed >= 0.0) || !std::isfinite(config.speed)) {
        throw core::ConfigError("replay: speed: expected a factor >= 0 (0: as fast as possible)");
    }
    if (config.max_orders == 0) {
        throw core::ConfigError("replay: max_orders: expected at least 1");
    }
    if (reader_.open(config.file) != proto::Status::kOk) {
        throw core::StartupError("replay: cannot read ITCH file '" + config.file +
                                 "': " + reader_.error() + "; check the scenario's replay.file");
    }
    free_.reserve(config.max_orders);
    for (std::uint32_t i = config.max_orders; i > 0; --i) {
        free_.push_back(i - 1);
    }
}

Token ItchReplay::token_of(std::uint64_t order_ref) noexcept {
    Token token;
    token.chars[0] = 'R';
    put_base36(token, 1, 13, order_ref);
    return token;
}

void ItchReplay::start(std::int64_t start_ns) noexcept {
    started_ = true;
    start_ns_ = start_ns;
}

std::int64_t ItchReplay::next_event_ns() const noexcept {
    if (!started_ || done_) {
        return std::numeric_limits<std::int64_t>::max();
    }
    if (!has_pending_ || speed_ == 0.0) {
        // More of the file to read (or everything due at once): work is waiting now.
        return start_ns_;
    }
    const double offset = static_cast<double>(pending_.timestamp_ns - first_timestamp_ns_) / speed_;
    return start_ns_ + static_cast<std::int64_t>(offset);
}

bool ItchReplay::chosen(const proto::Alpha<8>& stock, Stock& out) const noexcept {
    const Stock ours = from_wire(stock);
    for (const Stock& s : symbols_) {
        if (s == ours) {
            out = ours;
            return true;
        }
    }
    return false;
}

bool ItchReplay::read_ahead() noexcept {
    for (std::size_t skipped = 0; skipped < max_skip_; ++skipped) {
        std::span<const std::uint8_t> message;
        const proto::Status status = reader_.next(message);
        if (status != proto::Status::kOk) {
            if (status != proto::Status::kEnd) {
                ++counters_.file_errors;
            }
            done_ = true;
            return false;
        }
        ++counters_.file_messages;
        Pending p;
        bool relevant = false;
        auto header = [&](const auto& m) {
            p.type = std::remove_cvref_t<decltype(m)>::kType;
            p.timestamp_ns = m.timestamp_ns;
        };
        const proto::Status decoded = itch_wire::decode(message, [&]<class M>(const M& m) noexcept {
            if constexpr (std::is_same_v<M, itch_wire::AddOrder> ||
                          std::is_same_v<M, itch_wire::AddOrderMpid>) {
                if (chosen(m.stock, p.stock)) {
                    header(m);
                    p.ref = m.order_reference_number;
                    p.side = m.side == itch_wire::Side::kSell ? BookSide::kSell : BookSide::kBuy;
                    p.shares = m.shares;
                    p.price = m.price;
                    relevant = true;
                }
            } else if constexpr (std::is_same_v<M, itch_wire::OrderExecuted> ||
                                 std::is_same_v<M, itch_wire::OrderExecutedWithPrice>) {
                header(m);
                p.ref = m.order_reference_number;
                p.shares = m.executed_shares;
                relevant = map_.find(p.ref) != U64Map::kMissing;
            } else if constexpr (std::is_same_v<M, itch_wire::OrderCancel>) {
                header(m);
                p.ref = m.order_reference_number;
                p.shares = m.cancelled_shares;
                relevant = map_.find(p.ref) != U64Map::kMissing;
            } else if constexpr (std::is_same_v<M, itch_wire::OrderDelete>) {
                header(m);
                p.ref = m.order_reference_number;
                relevant = map_.find(p.ref) != U64Map::kMissing;
            } else if constexpr (std::is_same_v<M, itch_wire::OrderReplace>) {
                header(m);
                p.ref = m.original_order_reference_number;
                p.new_ref = m.new_order_reference_number;
                p.shares = m.shares;
                p.price = m.price;
                relevant = map_.find(p.ref) != U64Map::kMissing;
            }
        });
        if (decoded != proto::Status::kOk && decoded != proto::Status::kUnknownType) {
            ++counters_.file_errors;
            continue;
        }
        if (!relevant) {
            continue;
        }
        if (!have_first_) {
            have_first_ = true;
            first_timestamp_ns_ = p.timestamp_ns;
        }
        // A file whose clock steps back is replayed in file order, without waiting.
        if (p.timestamp_ns < first_timestamp_ns_) {
            p.timestamp_ns = first_timestamp_ns_;
        }
        pending_ = p;
        has_pending_ = true;
        return true;
    }
    return false;
}

std::uint32_t ItchReplay::allocate(std::uint64_t ref) noexcept {
    if (free_.empty() || map_.find(ref) != U64Map::kMissing) {
        ++counters_.table_full;
        return kNone;
    }
    const std::uint32_t index = free_.back();
    if (!map_.insert(ref, index)) {
        ++counters_.table_full;
        return kNone;
    }
    free_.pop_back();
    orders_[index] = Order{};
    orders_[index].ref = ref;
    return index;
}

void ItchReplay::forget(std::uint64_t ref) noexcept {
    const std::uint32_t index = map_.find(ref);
    if (index == U64Map::kMissing) {
        return;
    }
    map_.erase(ref);
    free_.push_back(index);
}

ItchReplay::Order* ItchReplay::order_of(std::uint64_t ref) noexcept {
    const std::uint32_t index = map_.find(ref);
    return index == U64Map::kMissing ? nullptr : &orders_[index];
}

ItchReplay::Order* ItchReplay::order_of_token(const Token& token) noexcept {
    std::uint64_t ref = 0;
    if (token.chars[0] != 'R' || !get_base36(token, 1, 13, ref)) {
        return nullptr;
    }
    return order_of(ref);
}

Shares ItchReplay::open_here(std::uint64_t order_ref) const noexcept {
    const std::uint32_t index = map_.find(order_ref);
    return index == U64Map::kMissing || !orders_[index].live ? 0 : orders_[index].ours;
}

void ItchReplay::on(const OuchAccepted& e) noexcept {
    if (e.participant != maker_) {
        return;
    }
    if (Order* order = order_of_token(e.token)) {
        order->ours = e.shares;
        order->live = true;
    }
}

void ItchReplay::on(const OuchReplaced& e) noexcept {
    if (e.participant != maker_) {
        return;
    }
    if (Order* previous = order_of_token(e.previous_token)) {
        previous->live = false;
        previous->ours = 0;
    }
    if (Order* order = order_of_token(e.replacement_token)) {
        order->ours = e.shares;
        order->live = true;
    }
}

void ItchReplay::on(const OuchRejected& e) noexcept {
    if (e.participant != maker_) {
        return;
    }
    ++counters_.rejected;
    if (Order* order = order_of_token(e.token)) {
        order->rejected = true;
        order->live = false;
    }
}

void ItchReplay::reduce(ParticipantId participant, const Token& token, Shares shares) noexcept {
    if (participant != maker_) {
        return;
    }
    if (Order* order = order_of_token(token)) {
        order->ours = shares >= order->ours ? 0 : order->ours - shares;
        if (order->ours == 0) {
            order->live = false;
        }
    }
}

}  // namespace tb::exchange
