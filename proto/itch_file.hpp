#pragma once

// Nasdaq's ITCH 5.0 file format (the daily "NASDAQ ITCH" binary files): each message preceded by
// a 2-byte big-endian length. Both the reader and the writer stream through a bounded buffer, so
// full-day files (several GB) replay without being loaded whole.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "core/endian.hpp"
#include "proto/input_file.hpp"
#include "proto/status.hpp"
#include "proto/wire.hpp"

namespace tb::proto::itch {

class FileReader {
public:
    // kIoError (error() says why) if the file cannot be opened.
    [[nodiscard]] Status open(const std::string& path, std::size_t buffer_size = 1u << 20);
    [[nodiscard]] Status open_memory(std::span<const std::uint8_t> bytes);

    // The next message (type byte first), valid until the next call: kOk, kEnd after the last
    // message, kTruncated if the file ends inside a length or a message, kBadLength for a
    // zero length. The message content is not checked here (itch::decode does that).
    [[nodiscard]] Status next(std::span<const std::uint8_t>& message);

    // Messages returned so far, and the file offset of the last one's length prefix.
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    InputFile input_;
    std::uint64_t count_ = 0;
    std::uint64_t offset_ = 0;
    std::string error_;
};

class FileWriter {
public:
    FileWriter() = default;
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;
    ~FileWriter();

    [[nodiscard]] Status open(const std::string& path, std::size_t buffer_size = 1u << 20);
    // Appends one message with its length prefix. kBadLength for an empty message or one above
    // 65535 bytes; kIoError on a write error.
    [[nodiscard]] Status write(std::span<const std::uint8_t> message);
    template <class M>
    [[nodiscard]] Status write_message(const M& message) {
        std::uint8_t bytes[wire_size<M>()];
        encode_fields(message, bytes);
        return write(bytes);
    }
    // Flushes and closes; kIoError if any write failed.
    [[nodiscard]] Status close();
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    [[nodiscard]] Status flush();

    std::FILE* file_ = nullptr;
    std::vector<std::uint8_t> buffer_;
    std::size_t used_ = 0;
    bool failed_ = false;
    std::string error_;
};

}  // namespace tb::proto::itch
