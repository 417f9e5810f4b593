#pragma once
// Bounds-checked access to untrusted bytes. Every decoder reads through these helpers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace scamgate {

using ByteView = std::span<const std::uint8_t>;

inline std::string_view as_text(ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline ByteView as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline std::uint16_t load_be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

inline std::uint16_t load_le16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

inline std::uint32_t load_le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
}

// A cursor over untrusted bytes: every read checks the remaining length first.
class ByteReader {
public:
    explicit ByteReader(ByteView data) : data_(data) {}

    std::size_t remaining() const { return data_.size() - offset_; }
    std::size_t offset() const { return offset_; }
    bool has(std::size_t n) const { return remaining() >= n; }
    ByteView rest() const { return data_.subspan(offset_); }

    std::optional<std::uint8_t> u8() {
        if (!has(1)) return std::nullopt;
        return data_[offset_++];
    }
    std::optional<std::uint16_t> be16() {
        if (!has(2)) return std::nullopt;
        auto v = load_be16(data_.data() + offset_);
        offset_ += 2;
        return v;
    }
    std::optional<std::uint32_t> be32() {
        if (!has(4)) return std::nullopt;
        auto v = load_be32(data_.data() + offset_);
        offset_ += 4;
        return v;
    }
    std::optional<ByteView> take(std::size_t n) {
        if (!has(n)) return std::nullopt;
        auto v = data_.subspan(offset_, n);
        offset_ += n;
        return v;
    }
    bool skip(std::size_t n) {
        if (!has(n)) return false;
        offset_ += n;
        return true;
    }

private:
    ByteView data_;
    std::size_t offset_ = 0;
};

}  // namespace scamgate
