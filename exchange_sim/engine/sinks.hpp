#pragma once

// Ready-made event sinks (see the EventSink concept in events.hpp):
//  - RecordingSink: stores events in a buffer reserved at construction (tests);
//  - CountingSink: counts events, for benchmarks that must not measure a consumer;
//  - TeeSink: hands every event to two sinks, for example a gateway and a DigestSink.
// DigestSink and CanonicalSink (digest.hpp) feed the output digest. A gateway supplies its own
// type with on() overloads for the events it encodes.

#include <cstdint>
#include <vector>

#include "exchange_sim/engine/events.hpp"

namespace tb::exchange {

class RecordingSink {
public:
    // Reserves room for `capacity` events; on() never allocates. Events past the capacity are
    // dropped and counted in dropped().
    explicit RecordingSink(std::size_t capacity) { events_.reserve(capacity); }

    template <class E>
    void on(const E& event) noexcept {
        if (events_.size() < events_.capacity()) {
            events_.emplace_back(event);
        } else {
            ++dropped_;
        }
    }

    [[nodiscard]] const std::vector<Event>& events() const noexcept { return events_; }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
    void clear() noexcept { events_.clear(); }

private:
    std::vector<Event> events_;
    std::uint64_t dropped_ = 0;
};

class CountingSink {
public:
    template <class E>
    void on(const E&) noexcept {
        if constexpr (E::kSource == EventSource::kItch) {
            ++itch_;
        } else {
            ++ouch_;
        }
    }
    [[nodiscard]] std::uint64_t itch_events() const noexcept { return itch_; }
    [[nodiscard]] std::uint64_t ouch_events() const noexcept { return ouch_; }

private:
    std::uint64_t itch_ = 0;
    std::uint64_t ouch_ = 0;
};

template <EventSink A, EventSink B>
class TeeSink {
public:
    TeeSink(A& first, B& second) noexcept : first_(first), second_(second) {}

    template <class E>
    void on(const E& event) noexcept {
        first_.on(event);
        second_.on(event);
    }

private:
    A& first_;
    B& second_;
};

static_assert(EventSink<RecordingSink>);
static_assert(EventSink<CountingSink>);

}  // namespace tb::exchange
