#pragma once

// Input journal: every input the engine processes, as a compact binary record, in order.
// Feeding a journal into a fresh engine with the same configuration reproduces every output
// byte for byte (the engine reads no clock and no other state), so a run can be replayed,
// bisected and compared after the fact.
//
// Layout: a 16-byte header (magic "TBJRNL01", then the configuration fingerprint, big-endian),
// then records: one type byte ('O' Enter Order, 'U' Replace Order, 'X' Cancel Order, 'H' Trading
// Action) followed by the input's fields in visit_fields() order, encoded as in the canonical
// event form (digest.hpp): integers big-endian, alpha fields as bytes, codes as one byte.
// An Enter Order record is 59 bytes, Replace 57, Cancel 29, Trading Action 22.
//
// The writer appends to a caller-provided buffer and never allocates; a record that does not
// fit is dropped and counted, and the journal is then incomplete (complete() is false).

#include <cstddef>
#include <cstdint>
#include <span>

#include "exchange_sim/engine/inputs.hpp"

namespace tb::exchange {

inline constexpr std::size_t kJournalHeaderSize = 16;

class JournalWriter {
public:
    // Writes the header at the start of `buffer` (at least kJournalHeaderSize bytes).
    JournalWriter(std::span<std::byte> buffer, std::uint64_t config_fingerprint) noexcept;

    // Each returns false, and counts the record as dropped, when it does not fit.
    bool append(const EnterOrder& input) noexcept;
    bool append(const ReplaceOrder& input) noexcept;
    bool append(const CancelOrder& input) noexcept;
    bool append(const TradingAction& input) noexcept;

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return buffer_.first(used_); }
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
    [[nodiscard]] bool complete() const noexcept { return dropped_ == 0; }
    [[nodiscard]] std::uint64_t config_fingerprint() const noexcept { return fingerprint_; }

private:
    template <class T>
    bool write(char type, const T& input) noexcept;

    std::span<std::byte> buffer_;
    std::size_t used_ = 0;
    std::uint64_t records_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t fingerprint_;
};

enum class JournalStatus {
    kOk,
    kEnd,             // no more records
    kBadHeader,       // too short or wrong magic
    kConfigMismatch,  // written under another configuration
    kTruncated,       // a record is cut short
    kBadRecord,       // unknown record type or a field out of its range
};

[[nodiscard]] const char* to_string(JournalStatus status) noexcept;

// Reads a journal record by record; every read is bounds-checked.
class JournalReader {
public:
    explicit JournalReader(std::span<const std::byte> bytes) noexcept : bytes_(bytes) {}

    // Checks the header against the engine's configuration fingerprint.
    [[nodiscard]] JournalStatus open(std::uint64_t config_fingerprint) noexcept;
    // The next input: kOk, kEnd at the end, or an error (reading stops there).
    [[nodiscard]] JournalStatus next(Input& input) noexcept;

    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

private:
    template <class T>
    JournalStatus read(T& input) noexcept;

    std::span<const std::byte> bytes_;
    std::size_t offset_ = 0;
};

// Feeds every record of `journal` to `engine` (anything with process(const Input&) and
// config_fingerprint()); returns kOk when the whole journal was replayed.
template <class EngineT>
[[nodiscard]] JournalStatus replay(std::span<const std::byte> journal, EngineT& engine) noexcept {
    JournalReader reader(journal);
    JournalStatus status = reader.open(engine.config_fingerprint());
    if (status != JournalStatus::kOk) {
        return status;
    }
    Input input;
    while ((status = reader.next(input)) == JournalStatus::kOk) {
        engine.process(input);
    }
    return status == JournalStatus::kEnd ? JournalStatus::kOk : status;
}

}  // namespace tb::exchange
