#include "nic_emu/capture.hpp"

#include "core/error.hpp"

namespace tb::nic {

Capture::Capture(const std::string& path, std::int64_t epoch_ns)
    : path_(path), epoch_ns_(epoch_ns) {
    if (writer_.open(path, "tickbench-nic") != proto::Status::kOk) {
        throw core::StartupError("cannot write the capture " + path + ": " + writer_.error());
    }
    open_ = true;
}

Capture::~Capture() {
    if (open_) {
        (void)writer_.close();
    }
}

std::uint32_t Capture::add_interface(std::string_view name) {
    return writer_.add_interface(name);
}

void Capture::write(std::uint32_t interface_id, std::int64_t clock_ns,
                    std::span<const std::uint8_t> frame,
                    proto::CaptureDirection direction) noexcept {
    if (writer_.write_packet(interface_id, clock_ns + epoch_ns_, frame, direction) !=
        proto::Status::kOk) {
        ++counters_.errors;
        return;
    }
    ++counters_.frames;
    counters_.bytes += frame.size();
}

void Capture::close() {
    if (!open_) {
        return;
    }
    open_ = false;
    if (writer_.close() != proto::Status::kOk || counters_.errors != 0) {
        throw core::StartupError("the capture " + path_ + " is incomplete (" +
                                 std::to_string(counters_.errors) +
                                 " frames not written): " + writer_.error());
    }
}

}  // namespace tb::nic
