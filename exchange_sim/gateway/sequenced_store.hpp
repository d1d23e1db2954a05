#pragma once

// The outbound message store of one SoupBinTCP session (one OUCH account): every Sequenced Data
// message of the day, numbered from 1, kept so that a client logging in again with a Requested
// Sequence Number gets everything from there replayed (SoupBinTCP 3.00, "Overview": the client
// receives every sequenced message in sequence even across TCP connection failures; "Login
// Request Packet": the client names the sequence number to start from).
//
// Policy (documented in scenarios/README.md, "order_entry"): the byte arena and the index are
// reserved at start-up for `initial_bytes` (and initial_bytes / 32 messages); when a busy
// account outgrows them they double, up to `max_bytes`. Growth is the only allocation after
// start-up and happens O(log(max / initial)) times per account per day. A message that would
// pass max_bytes is refused (append returns false): the caller then ends the account's session,
// because SoupBinTCP has no way to tell a client that part of its stream is gone.
//
// Thread rules: one owner (the exchange thread).

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace tb::exchange {

class SequencedStore {
public:
    SequencedStore(std::size_t initial_bytes, std::size_t max_bytes)
        : max_bytes_(max_bytes < initial_bytes ? initial_bytes : max_bytes) {
        bytes_.reserve(initial_bytes);
        ends_.reserve(initial_bytes / 32 + 1);
    }

    // Appends one message as the next sequence number; false (and nothing stored) when the
    // store would pass its bound.
    [[nodiscard]] bool append(std::span<const std::uint8_t> message) noexcept {
        const std::size_t size = bytes_.size() + message.size();
        if (size > max_bytes_) {
            return false;
        }
        if (size > bytes_.capacity()) {
            grow(bytes_, size);
        }
        if (ends_.size() == ends_.capacity()) {
            grow(ends_, ends_.size() + 1);
        }
        bytes_.insert(bytes_.end(), message.begin(), message.end());
        ends_.push_back(static_cast<std::uint64_t>(bytes_.size()));
        return true;
    }

    // Messages stored; the next sequence number is count() + 1.
    [[nodiscard]] std::uint64_t count() const noexcept { return ends_.size(); }
    [[nodiscard]] std::uint64_t next_sequence() const noexcept { return ends_.size() + 1; }

    // The message with sequence number `sequence` (1 <= sequence <= count()).
    [[nodiscard]] std::span<const std::uint8_t> message(std::uint64_t sequence) const noexcept {
        assert(sequence >= 1 && sequence <= ends_.size());
        const std::uint64_t end = ends_[sequence - 1];
        const std::uint64_t begin = sequence == 1 ? 0 : ends_[sequence - 2];
        return {bytes_.data() + begin, static_cast<std::size_t>(end - begin)};
    }

    [[nodiscard]] std::size_t bytes_used() const noexcept { return bytes_.size(); }
    [[nodiscard]] std::size_t max_bytes() const noexcept { return max_bytes_; }
    [[nodiscard]] std::uint64_t growths() const noexcept { return growths_; }

private:
    template <class T>
    void grow(std::vector<T>& v, std::size_t needed) noexcept {
        std::size_t capacity = v.capacity() == 0 ? 64 : v.capacity();
        while (capacity < needed) {
            capacity *= 2;
        }
        // An allocation failure here is treated like running out of memory anywhere else in the
        // exchange: the process stops (std::terminate through noexcept).
        v.reserve(capacity);
        ++growths_;
    }

    std::size_t max_bytes_;
    std::vector<std::uint8_t> bytes_;
    std::vector<std::uint64_t> ends_;  // end offset of message i + 1
    std::uint64_t growths_ = 0;
};

}  // namespace tb::exchange
