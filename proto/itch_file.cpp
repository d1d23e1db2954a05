#include "proto/itch_file.hpp"

#include <cerrno>
#include <cstring>

namespace tb::proto::itch {

Status FileReader::open(const std::string& path, std::size_t buffer_size) {
    count_ = 0;
    offset_ = 0;
    const Status status = input_.open(path, buffer_size);
    if (status != Status::kOk) {
        error_ = input_.error();
    }
    return status;
}

Status FileReader::open_memory(std::span<const std::uint8_t> bytes) {
    count_ = 0;
    offset_ = 0;
    input_.open_memory(bytes);
    return Status::kOk;
}

Status FileReader::next(std::span<const std::uint8_t>& message) {
    Status status = input_.ensure(2);
    if (status != Status::kOk) {
        if (status == Status::kTruncated) {
            error_ = "file ends inside the length of message " + std::to_string(count_ + 1);
        }
        return status;
    }
    const std::size_t length = core::load_be16(input_.data());
    if (length == 0) {
        error_ = "message " + std::to_string(count_ + 1) + " at offset " +
                 std::to_string(input_.position()) + " has length 0";
        return Status::kBadLength;
    }
    status = input_.ensure(2 + length);
    if (status != Status::kOk) {
        error_ = "file ends inside message " + std::to_string(count_ + 1) + " at offset " +
                 std::to_string(input_.position());
        return status == Status::kEnd ? Status::kTruncated : status;
    }
    offset_ = input_.position();
    message = std::span<const std::uint8_t>(input_.data() + 2, length);
    input_.consume(2 + length);
    ++count_;
    return Status::kOk;
}

FileWriter::~FileWriter() {
    if (file_ != nullptr) {
        (void)close();
    }
}

Status FileWriter::open(const std::string& path, std::size_t buffer_size) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) {
        error_ = "cannot create " + path + ": " + std::strerror(errno);
        return Status::kIoError;
    }
    buffer_.assign(buffer_size < 65537 * 2 ? 65537 * 2 : buffer_size, 0);
    used_ = 0;
    failed_ = false;
    return Status::kOk;
}

Status FileWriter::flush() {
    if (used_ > 0 && !failed_ && std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
        failed_ = true;
        error_ = std::string("write error: ") + std::strerror(errno);
    }
    used_ = 0;
    return failed_ ? Status::kIoError : Status::kOk;
}

Status FileWriter::write(std::span<const std::uint8_t> message) {
    if (file_ == nullptr) {
        return Status::kIoError;
    }
    if (message.empty() || message.size() > 0xFFFF) {
        return Status::kBadLength;
    }
    if (buffer_.size() - used_ < 2 + message.size()) {
        const Status status = flush();
        if (status != Status::kOk) {
            return status;
        }
    }
    core::store_be16(buffer_.data() + used_, static_cast<std::uint16_t>(message.size()));
    std::memcpy(buffer_.data() + used_ + 2, message.data(), message.size());
    used_ += 2 + message.size();
    return failed_ ? Status::kIoError : Status::kOk;
}

Status FileWriter::close() {
    if (file_ == nullptr) {
        return failed_ ? Status::kIoError : Status::kOk;
    }
    (void)flush();
    if (std::fclose(file_) != 0 && !failed_) {
        failed_ = true;
        error_ = std::string("close error: ") + std::strerror(errno);
    }
    file_ = nullptr;
    return failed_ ? Status::kIoError : Status::kOk;
}

}  // namespace tb::proto::itch
