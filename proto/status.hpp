#pragma once

// The result of every decode, parse and bounded encode in proto/. Data-path code returns a
// Status, never throws, and never reads or writes outside the buffer it was given.

#include <cstdint>
#include <string_view>

namespace tb::proto {

enum class Status : std::uint8_t {
    kOk = 0,
    kTruncated,    // the buffer ends before the header, or before the length it announces
    kBadLength,    // a length field is impossible, or does not match what the type needs
    kUnknownType,  // a message or packet type the specification does not define
    kBadValue,     // a field holds a value the specification rules out
    kBadChecksum,  // an Internet checksum does not verify
    kNoSpace,      // encode: the output buffer is too small
    kUnsupported,  // well formed, but not handled here (IPv4 fragment, other link type ...)
    kEnd,          // readers: the input has no more records (not an error)
    kIoError,      // readers and writers: the operating system reported an error
};

[[nodiscard]] constexpr std::string_view to_string(Status status) noexcept {
    switch (status) {
        case Status::kOk:
            return "ok";
        case Status::kTruncated:
            return "truncated";
        case Status::kBadLength:
            return "bad length";
        case Status::kUnknownType:
            return "unknown type";
        case Status::kBadValue:
            return "bad value";
        case Status::kBadChecksum:
            return "bad checksum";
        case Status::kNoSpace:
            return "no space";
        case Status::kUnsupported:
            return "unsupported";
        case Status::kEnd:
            return "end of input";
        case Status::kIoError:
            return "I/O error";
    }
    return "unknown status";
}

}  // namespace tb::proto
