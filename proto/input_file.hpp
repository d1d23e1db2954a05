#pragma once

// A buffered, forward-only byte source for the capture and ITCH file readers: it streams a file
// of any size through a buffer of bounded size, so a full-day file is never loaded whole. Not
// for the data path (it may grow its buffer for an unusually large record, up to a limit).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "proto/status.hpp"

namespace tb::proto {

class InputFile {
public:
    static constexpr std::size_t kMaxBuffer = 64u << 20;  // the largest record a reader accepts

    InputFile() = default;
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;
    InputFile(InputFile&& other) noexcept;
    InputFile& operator=(InputFile&& other) noexcept;
    ~InputFile();

    // kIoError (with error()) if the file cannot be opened.
    [[nodiscard]] Status open(const std::string& path, std::size_t buffer_size = 1u << 20);
    // Reads from a copy of `bytes` instead of a file (tests and fuzz targets).
    void open_memory(std::span<const std::uint8_t> bytes);

    // Makes at least n bytes available at data(). kOk; kEnd if the input is exhausted and no
    // byte is left; kTruncated if fewer than n (but some) bytes remain; kBadLength if n exceeds
    // kMaxBuffer; kIoError on a read error.
    [[nodiscard]] Status ensure(std::size_t n);
    [[nodiscard]] const std::uint8_t* data() const noexcept { return buffer_.data() + begin_; }
    [[nodiscard]] std::size_t available() const noexcept { return end_ - begin_; }
    // Drops n bytes (n <= available()).
    void consume(std::size_t n) noexcept;
    // Skips n bytes, reading through the file as needed; kTruncated if the input ends first.
    [[nodiscard]] Status skip(std::uint64_t n);
    // The file offset of data()[0].
    [[nodiscard]] std::uint64_t position() const noexcept { return position_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr || memory_; }

private:
    void close() noexcept;

    std::FILE* file_ = nullptr;
    bool memory_ = false;
    bool eof_ = false;
    std::vector<std::uint8_t> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t position_ = 0;
    std::string error_;
};

}  // namespace tb::proto
