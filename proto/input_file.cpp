#include "proto/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace tb::proto {

InputFile::InputFile(InputFile&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      memory_(std::exchange(other.memory_, false)),
      eof_(other.eof_),
      buffer_(std::move(other.buffer_)),
      begin_(other.begin_),
      end_(other.end_),
      position_(other.position_),
      error_(std::move(other.error_)) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
    if (this != &other) {
        close();
        file_ = std::exchange(other.file_, nullptr);
        memory_ = std::exchange(other.memory_, false);
        eof_ = other.eof_;
        buffer_ = std::move(other.buffer_);
        begin_ = other.begin_;
        end_ = other.end_;
        position_ = other.position_;
        error_ = std::move(other.error_);
    }
    return *this;
}

InputFile::~InputFile() {
    close();
}

void InputFile::close() noexcept {
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
    }
}

Status InputFile::open(const std::string& path, std::size_t buffer_size) {
    close();
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) {
        error_ = "cannot open " + path + ": " + std::strerror(errno);
        return Status::kIoError;
    }
    memory_ = false;
    eof_ = false;
    buffer_.assign(buffer_size < 4096 ? 4096 : buffer_size, 0);
    begin_ = end_ = 0;
    position_ = 0;
    error_.clear();
    return Status::kOk;
}

void InputFile::open_memory(std::span<const std::uint8_t> bytes) {
    close();
    memory_ = true;
    eof_ = true;
    buffer_.assign(bytes.begin(), bytes.end());
    begin_ = 0;
    end_ = buffer_.size();
    position_ = 0;
    error_.clear();
}

Status InputFile::ensure(std::size_t n) {
    if (available() >= n) {
        return Status::kOk;
    }
    if (n > kMaxBuffer) {
        return Status::kBadLength;
    }
    if (!eof_ && file_ != nullptr) {
        // Move what is left to the front, grow if the record is larger than the buffer, refill.
        if (begin_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + begin_, available());
            end_ -= begin_;
            begin_ = 0;
        }
        if (buffer_.size() < n) {
            buffer_.resize(n);
        }
        while (end_ < n && !eof_) {
            const std::size_t got =
                std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
            end_ += got;
            if (got == 0) {
                if (std::ferror(file_) != 0) {
                    error_ = std::string("read error: ") + std::strerror(errno);
                    return Status::kIoError;
                }
                eof_ = true;
            }
        }
    }
    if (available() >= n) {
        return Status::kOk;
    }
    return available() == 0 ? Status::kEnd : Status::kTruncated;
}

void InputFile::consume(std::size_t n) noexcept {
    begin_ += n;
    position_ += n;
}

Status InputFile::skip(std::uint64_t n) {
    while (n > 0) {
        if (available() == 0) {
            const Status status = ensure(1);
            if (status != Status::kOk) {
                return status == Status::kEnd ? Status::kTruncated : status;
            }
        }
        const std::size_t step = n < available() ? static_cast<std::size_t>(n) : available();
        consume(step);
        n -= step;
    }
    return Status::kOk;
}

}  // namespace tb::proto
