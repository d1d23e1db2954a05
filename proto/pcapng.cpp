#include "proto/pcapng.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tb::proto {

namespace {

constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kShbUserApplication = 4;
constexpr std::uint16_t kIfName = 2;
constexpr std::uint16_t kIfTsResolution = 9;
constexpr std::uint16_t kEpbFlags = 2;
constexpr std::uint8_t kNanosecondResolution = 9;

constexpr std::size_t padded(std::size_t size) noexcept {
    return (size + 3) / 4 * 4;
}

constexpr std::size_t option_size(std::size_t value_size) noexcept {
    return 4 + padded(value_size);
}

}  // namespace

std::int64_t pcapng_timestamp_ns(std::uint64_t units, std::uint8_t resolution) noexcept {
    const unsigned exponent = resolution & 0x7F;
    if ((resolution & 0x80) != 0) {
        // Negative power of two: units * 1e9 / 2^exponent, in 128 bits.
        if (exponent >= 64) {
            return 0;
        }
        __extension__ using Uint128 = unsigned __int128;
        const auto scaled = static_cast<Uint128>(units) * 1'000'000'000u;
        return static_cast<std::int64_t>(scaled >> exponent);
    }
    if (exponent <= 9) {
        std::uint64_t factor = 1;
        for (unsigned i = exponent; i < 9; ++i) {
            factor *= 10;
        }
        return static_cast<std::int64_t>(units * factor);
    }
    std::uint64_t divisor = 1;
    for (unsigned i = 9; i < exponent && i < 28; ++i) {
        divisor = divisor > UINT64_MAX / 10 ? UINT64_MAX : divisor * 10;
    }
    return static_cast<std::int64_t>(units / divisor);
}

// ---- writer ----------------------------------------------------------------------------------

PcapngWriter::~PcapngWriter() {
    if (file_ != nullptr) {
        std::fclose(file_);
    }
}

void PcapngWriter::write_bytes(const void* data, std::size_t size) {
    if (file_ != nullptr && !failed_ && size > 0 && std::fwrite(data, 1, size, file_) != size) {
        failed_ = true;
        error_ = std::string("write error: ") + std::strerror(errno);
    }
}

// pcapng is written in the host's byte order; readers detect it from the byte-order magic.
void PcapngWriter::write_u16(std::uint16_t value) {
    write_bytes(&value, sizeof value);
}
void PcapngWriter::write_u32(std::uint32_t value) {
    write_bytes(&value, sizeof value);
}

void PcapngWriter::write_padding(std::size_t size) {
    static constexpr std::uint8_t kZeros[4] = {0, 0, 0, 0};
    write_bytes(kZeros, padded(size) - size);
}

void PcapngWriter::write_option(std::uint16_t code, std::span<const std::uint8_t> value) {
    write_u16(code);
    write_u16(static_cast<std::uint16_t>(value.size()));
    write_bytes(value.data(), value.size());
    write_padding(value.size());
}

Status PcapngWriter::open(const std::string& path, std::string_view application) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) {
        error_ = "cannot create " + path + ": " + std::strerror(errno);
        return Status::kIoError;
    }
    failed_ = false;
    interfaces_ = 0;
    const auto app = std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(application.data()), application.size());
    const auto length = static_cast<std::uint32_t>(28 + option_size(app.size()) + 4);
    write_u32(kPcapngSectionHeader);
    write_u32(length);
    write_u32(kPcapngByteOrderMagic);
    write_u16(1);  // major version
    write_u16(0);  // minor version
    const std::uint64_t unknown_section_length = ~std::uint64_t{0};
    write_bytes(&unknown_section_length, sizeof unknown_section_length);
    write_option(kShbUserApplication, app);
    write_u32(kOptionEnd);
    write_u32(length);
    return failed_ ? Status::kIoError : Status::kOk;
}

std::uint32_t PcapngWriter::add_interface(std::string_view name, std::uint32_t link_type,
                                          std::uint32_t snap_length) {
    const auto name_bytes = std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
    const std::uint8_t resolution[1] = {kNanosecondResolution};
    const auto length =
        static_cast<std::uint32_t>(16 + option_size(name_bytes.size()) + option_size(1) + 4 + 4);
    write_u32(kPcapngInterfaceDescription);
    write_u32(length);
    write_u16(static_cast<std::uint16_t>(link_type));
    write_u16(0);
    write_u32(snap_length);
    write_option(kIfName, name_bytes);
    write_option(kIfTsResolution, resolution);
    write_u32(kOptionEnd);
    write_u32(length);
    return interfaces_++;
}

Status PcapngWriter::write_packet(std::uint32_t interface_id, std::int64_t timestamp_ns,
                                  std::span<const std::uint8_t> frame, CaptureDirection direction,
                                  std::uint32_t original_length) {
    if (interface_id >= interfaces_) {
        return Status::kBadValue;
    }
    const bool has_flags = direction != CaptureDirection::kUnknown;
    const auto length = static_cast<std::uint32_t>(28 + padded(frame.size()) +
                                                   (has_flags ? option_size(4) + 4 : 0) + 4);
    const auto ts = static_cast<std::uint64_t>(timestamp_ns);
    write_u32(kPcapngEnhancedPacket);
    write_u32(length);
    write_u32(interface_id);
    write_u32(static_cast<std::uint32_t>(ts >> 32));
    write_u32(static_cast<std::uint32_t>(ts));
    write_u32(static_cast<std::uint32_t>(frame.size()));
    write_u32(original_length == 0 ? static_cast<std::uint32_t>(frame.size()) : original_length);
    write_bytes(frame.data(), frame.size());
    write_padding(frame.size());
    if (has_flags) {
        const std::uint32_t flags = static_cast<std::uint32_t>(direction);
        std::uint8_t value[4];
        std::memcpy(value, &flags, sizeof flags);
        write_option(kEpbFlags, value);
        write_u32(kOptionEnd);
    }
    write_u32(length);
    return failed_ ? Status::kIoError : Status::kOk;
}

Status PcapngWriter::close() {
    if (file_ == nullptr) {
        return failed_ ? Status::kIoError : Status::kOk;
    }
    if (std::fclose(file_) != 0 && !failed_) {
        failed_ = true;
        error_ = std::string("close error: ") + std::strerror(errno);
    }
    file_ = nullptr;
    return failed_ ? Status::kIoError : Status::kOk;
}

// ---- reader ----------------------------------------------------------------------------------

std::uint16_t PcapngReader::u16(const std::uint8_t* p) const noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return swapped_ ? __builtin_bswap16(v) : v;
}

std::uint32_t PcapngReader::u32(const std::uint8_t* p) const noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return swapped_ ? __builtin_bswap32(v) : v;
}

Status PcapngReader::fail(Status status, std::string message) {
    error_ = std::move(message);
    return status;
}

Status PcapngReader::open(const std::string& path) {
    const Status status = input_.open(path);
    if (status != Status::kOk) {
        error_ = input_.error();
        return status;
    }
    const Status first = input_.ensure(12);
    if (first != Status::kOk) {
        return fail(first == Status::kIoError ? first : Status::kTruncated,
                    path + ": too short for a pcapng file");
    }
    std::uint32_t type;
    std::memcpy(&type, input_.data(), sizeof type);
    if (type != kPcapngSectionHeader) {
        return fail(Status::kBadValue, path + ": not a pcapng file (no section header block)");
    }
    count_ = 0;
    return Status::kOk;
}

Status PcapngReader::open_memory(std::span<const std::uint8_t> bytes) {
    input_.open_memory(bytes);
    const Status first = input_.ensure(12);
    if (first != Status::kOk) {
        return fail(Status::kTruncated, "too short for a pcapng file");
    }
    std::uint32_t type;
    std::memcpy(&type, input_.data(), sizeof type);
    if (type != kPcapngSectionHeader) {
        return fail(Status::kBadValue, "not a pcapng file (no section header block)");
    }
    count_ = 0;
    return Status::kOk;
}

Status PcapngReader::read_section_header(std::size_t length) {
    if (length < 28) {
        return fail(Status::kBadLength, "section header block too short");
    }
    interfaces_.clear();
    return Status::kOk;
}

Status PcapngReader::next(CaptureRecord& record) {
    for (;;) {
        Status status = input_.ensure(12);
        if (status != Status::kOk) {
            if (status == Status::kTruncated) {
                return fail(status, "file ends inside a block header");
            }
            return status;
        }
        std::uint32_t type;
        std::memcpy(&type, input_.data(), sizeof type);
        if (type == kPcapngSectionHeader) {
            // The byte-order magic of each section decides how the rest of it is read.
            std::uint32_t magic;
            std::memcpy(&magic, input_.data() + 8, sizeof magic);
            if (magic == kPcapngByteOrderMagic) {
                swapped_ = false;
            } else if (__builtin_bswap32(magic) == kPcapngByteOrderMagic) {
                swapped_ = true;
            } else {
                return fail(Status::kBadValue, "section header with an unknown byte-order magic");
            }
        } else {
            type = u32(input_.data());
        }
        const std::uint32_t length = u32(input_.data() + 4);
        if (length < 12 || length % 4 != 0 || length > InputFile::kMaxBuffer) {
            return fail(Status::kBadLength, "block at offset " + std::to_string(input_.position()) +
                                                " has an impossible length " +
                                                std::to_string(length));
        }
        status = input_.ensure(length);
        if (status != Status::kOk) {
            return fail(
                status == Status::kEnd ? Status::kTruncated : status,
                "file ends inside the block at offset " + std::to_string(input_.position()));
        }
        const std::uint8_t* block = input_.data();
        if (u32(block + length - 4) != length) {
            return fail(Status::kBadLength, "block at offset " + std::to_string(input_.position()) +
                                                " has mismatched length fields");
        }
        const std::uint8_t* body = block + 8;
        const std::size_t body_size = length - 12;
        switch (type) {
            case kPcapngSectionHeader:
                status = read_section_header(length);
                if (status != Status::kOk) {
                    return status;
                }
                break;
            case kPcapngInterfaceDescription: {
                if (body_size < 8) {
                    return fail(Status::kBadLength, "interface description block too short");
                }
                Interface iface;
                iface.link_type = u16(body);
                std::size_t at = 8;
                while (body_size - at >= 4) {
                    const std::uint16_t code = u16(body + at);
                    const std::uint16_t size = u16(body + at + 2);
                    if (code == kOptionEnd) {
                        break;
                    }
                    if (body_size - at - 4 < padded(size)) {
                        return fail(Status::kBadLength, "interface option runs past its block");
                    }
                    if (code == kIfTsResolution && size == 1) {
                        iface.resolution = body[at + 4];
                    }
                    at += 4 + padded(size);
                }
                if (interfaces_.size() >= 65536) {
                    return fail(Status::kBadValue, "too many interfaces");
                }
                interfaces_.push_back(iface);
                break;
            }
            case kPcapngEnhancedPacket: {
                if (body_size < 20) {
                    return fail(Status::kBadLength, "enhanced packet block too short");
                }
                const std::uint32_t id = u32(body);
                if (id >= interfaces_.size()) {
                    return fail(Status::kBadValue,
                                "packet on an undeclared interface " + std::to_string(id));
                }
                const std::uint64_t units =
                    static_cast<std::uint64_t>(u32(body + 4)) << 32 | u32(body + 8);
                const std::uint32_t captured = u32(body + 12);
                if (captured > body_size - 20) {
                    return fail(Status::kBadLength, "packet data runs past its block");
                }
                record.direction = CaptureDirection::kUnknown;
                std::size_t at = 20 + padded(captured);
                while (at <= body_size && body_size - at >= 4) {
                    const std::uint16_t code = u16(body + at);
                    const std::uint16_t size = u16(body + at + 2);
                    if (code == kOptionEnd || body_size - at - 4 < padded(size)) {
                        break;
                    }
                    if (code == kEpbFlags && size == 4) {
                        record.direction = static_cast<CaptureDirection>(u32(body + at + 4) & 3);
                    }
                    at += 4 + padded(size);
                }
                record.number = ++count_;
                record.interface_id = id;
                record.link_type = interfaces_[id].link_type;
                record.timestamp_ns = pcapng_timestamp_ns(units, interfaces_[id].resolution);
                record.original_length = u32(body + 16);
                record.data = std::span<const std::uint8_t>(body + 20, captured);
                input_.consume(length);
                return Status::kOk;
            }
            case kPcapngSimplePacket: {
                if (body_size < 4) {
                    return fail(Status::kBadLength, "simple packet block too short");
                }
                if (interfaces_.empty()) {
                    return fail(Status::kBadValue, "simple packet before any interface");
                }
                const std::uint32_t original = u32(body);
                const std::size_t captured = std::min<std::size_t>(original, body_size - 4);
                record.number = ++count_;
                record.interface_id = 0;
                record.link_type = interfaces_[0].link_type;
                record.timestamp_ns = 0;
                record.original_length = original;
                record.direction = CaptureDirection::kUnknown;
                record.data = std::span<const std::uint8_t>(body + 4, captured);
                input_.consume(length);
                return Status::kOk;
            }
            default:
                break;  // name resolution, statistics, custom ...: not packets
        }
        input_.consume(length);
    }
}

}  // namespace tb::proto
