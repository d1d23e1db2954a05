#include "nic_emu/tap.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

#include "core/error.hpp"
#include "nic_emu/frame_filter.hpp"
#include "proto/ipv4.hpp"
#include "proto/moldudp64.hpp"

namespace tb::nic {

TickToTradeTap::TickToTradeTap(const TapConfig& config)
    : enabled_(config.enabled),
      client_port_(config.client_port),
      feed_port_(config.feed_port),
      order_port_(config.order_port),
      pending_(config.max_pending) {
    std::vector<std::uint64_t> triggers = config.triggers;
    std::sort(triggers.begin(), triggers.end());
    triggers.erase(std::unique(triggers.begin(), triggers.end()), triggers.end());
    records_.reserve(triggers.size());
    for (const std::uint64_t sequence : triggers) {
        records_.push_back(TapRecord{sequence, -1, -1});
    }
}

TriggerHit TickToTradeTap::feed_frame(std::span<const std::uint8_t> frame) const noexcept {
    if (records_.empty()) {
        return {};
    }
    const FrameClass c = classify_frame(frame);
    if (!c.l4 || c.protocol != proto::kIpProtocolUdp || c.destination_port != feed_port_) {
        return {};
    }
    proto::mold::Header header;
    if (proto::mold::parse_header(c.payload, header) != proto::Status::kOk ||
        header.kind() != proto::mold::PacketKind::kData) {
        return {};
    }
    const std::uint64_t first = header.sequence_number;
    const std::uint64_t end = first + header.message_count;
    const auto lo = std::lower_bound(
        records_.begin(), records_.end(), first,
        [](const TapRecord& record, std::uint64_t sequence) { return record.sequence < sequence; });
    auto hi = lo;
    while (hi != records_.end() && hi->sequence < end) {
        ++hi;
    }
    return TriggerHit{static_cast<std::uint32_t>(lo - records_.begin()),
                      static_cast<std::uint32_t>(hi - lo)};
}

void TickToTradeTap::delivered(TriggerHit hit, std::int64_t t_md_ns) noexcept {
    for (std::uint32_t i = hit.first; i < hit.first + hit.count; ++i) {
        TapRecord& record = records_[i];
        if (record.t_md_ns >= 0) {
            ++counters_.triggers_repeated;
            continue;
        }
        if (pending_count_ == pending_.size()) {
            ++counters_.pending_overflow;
            continue;
        }
        record.t_md_ns = t_md_ns;
        pending_[pending_count_++] = i;
        ++counters_.triggers_delivered;
    }
}

bool TickToTradeTap::is_order(std::span<const std::uint8_t> frame) const noexcept {
    const FrameClass c = classify_frame(frame);
    return c.l4 && c.protocol == proto::kIpProtocolTcp && c.destination_port == order_port_ &&
           !c.payload.empty();
}

void TickToTradeTap::order(std::int64_t t_ord_ns) noexcept {
    ++counters_.orders;
    if (pending_count_ == 0) {
        return;
    }
    ++counters_.orders_answering;
    for (std::uint32_t i = 0; i < pending_count_; ++i) {
        TapRecord& record = records_[pending_[i]];
        record.t_ord_ns = t_ord_ns;
        histogram_.record(t_ord_ns - record.t_md_ns);
    }
    pending_count_ = 0;
}

std::vector<std::uint64_t> parse_trigger_list(std::string_view text) {
    std::vector<std::uint64_t> sequences;
    const auto number = [&](std::string_view part) {
        std::uint64_t value = 0;
        const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || error != std::errc{} || end != part.data() + part.size()) {
            throw core::ConfigError("trigger '" + std::string(part) +
                                    "' is not a MoldUDP64 sequence number (for example 5 or "
                                    "100-200)");
        }
        return value;
    };
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const std::size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            sequences.push_back(number(item));
            continue;
        }
        const std::uint64_t first = number(item.substr(0, dash));
        const std::uint64_t last = number(item.substr(dash + 1));
        if (last < first || last - first >= 100'000'000) {
            throw core::ConfigError("trigger range '" + std::string(item) +
                                    "' must go up and hold at most 100000000 numbers");
        }
        for (std::uint64_t s = first; s <= last; ++s) {
            sequences.push_back(s);
        }
    }
    std::sort(sequences.begin(), sequences.end());
    sequences.erase(std::unique(sequences.begin(), sequences.end()), sequences.end());
    return sequences;
}

std::vector<std::uint64_t> read_trigger_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw core::ConfigError("cannot read the trigger file " + path);
    }
    std::vector<std::uint64_t> sequences;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        const std::size_t last = line.find_last_not_of(" \t\r");
        try {
            const auto part = parse_trigger_list(line.substr(first, last - first + 1));
            sequences.insert(sequences.end(), part.begin(), part.end());
        } catch (const core::ConfigError& e) {
            throw core::ConfigError(path + ":" + std::to_string(number) + ": " + e.what());
        }
    }
    std::sort(sequences.begin(), sequences.end());
    sequences.erase(std::unique(sequences.begin(), sequences.end()), sequences.end());
    return sequences;
}

}  // namespace tb::nic
