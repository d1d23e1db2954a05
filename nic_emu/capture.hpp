#pragma once

// Wire capture: every frame as it enters the emulated wire from a port (direction inbound) and
// as it leaves the wire into a port (outbound, with a trailer when the port has one), in one
// pcapng file with one interface per port and nanosecond timestamps (proto::PcapngWriter).
//
// Timestamps are the emulator's clock plus epoch_ns, the wall-clock time of clock 0, so that
// virtual runs get a fixed, reproducible date and real-time runs the actual one. Two runs with
// the same seed and inputs in virtual time write byte-identical files.
//
// Thread rules: one owner. write() never allocates (stdio buffers the file); a write error is
// counted, the file is then left as it was, and close() reports it.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "proto/pcapng.hpp"

namespace tb::nic {

struct CaptureCounters {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t errors = 0;

    template <class F>
    void visit(F&& f) const {
        f("frames", frames);
        f("bytes", bytes);
        f("errors", errors);
    }
};

class Capture {
public:
    // Room for the largest frame a port hands over plus a trailer.
    static constexpr std::size_t kStageBytes = 9216 + 64;
    static constexpr std::size_t kStageSlots = 32;

    // Creates the file; throws core::StartupError when it cannot.
    Capture(const std::string& path, std::int64_t epoch_ns);
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;

    // Adds an interface (call for every port, in port order, before the first write).
    std::uint32_t add_interface(std::string_view name);

    void write(std::uint32_t interface_id, std::int64_t clock_ns,
               std::span<const std::uint8_t> frame, proto::CaptureDirection direction) noexcept;

    // Scratch space for frames staged before a hand-over (the port may free them).
    [[nodiscard]] std::span<std::uint8_t> stage(std::size_t slot) noexcept {
        return {stage_[slot].data(), kStageBytes};
    }

    // Flushes and closes; throws core::StartupError if any write failed.
    void close();
    [[nodiscard]] const CaptureCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    std::int64_t epoch_ns_;
    proto::PcapngWriter writer_;
    bool open_ = false;
    CaptureCounters counters_;
    std::array<std::array<std::uint8_t, kStageBytes>, kStageSlots> stage_{};
};

}  // namespace tb::nic
