#include "record/packed.h"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace scamgate::record {

namespace {

// Where a string's bytes lie in the buffer being written.
struct Span {
    std::uint32_t at = 0;
    std::uint32_t size = 0;
};

// Appends values: unsigned integers as LEB128, signed ones zigzag, doubles as their 8 bytes, and
// strings as a header (size << 1, or (offset << 1) | 1 then the size, for a reference) and bytes.
class Writer {
public:
    // Writes into `out` from its start (its storage is reused from one call to the next; bytes()
    // are what was written).
    explicit Writer(std::string& out) : out_(out) {
        if (out_.size() < kInitialRoom) out_.resize(kInitialRoom);
    }

    void byte(std::uint8_t value) {
        *room(1) = static_cast<char>(value);
        ++size_;
    }
    void flag(bool value) { byte(value ? 1 : 0); }
    void unsigned_int(std::uint64_t value) {
        while (value >= 0x80) {
            byte(static_cast<std::uint8_t>(value | 0x80));
            value >>= 7;
        }
        byte(static_cast<std::uint8_t>(value));
    }
    void signed_int(std::int64_t value) {
        unsigned_int((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
    }
    void real(double value) {
        std::memcpy(room(sizeof value), &value, sizeof value);
        size_ += sizeof value;
    }

    // A string equal to one written before becomes a reference to it.
    Span string(std::string_view text) {
        if (text.size() >= kShortest) {
            for (std::size_t i = 0; i < seen_count_; ++i) {
                const Span& s = seen_[i];
                if (s.size == text.size() && std::memcmp(out_.data() + s.at, text.data(), text.size()) == 0) {
                    return reference(s);
                }
            }
        }
        unsigned_int(static_cast<std::uint64_t>(text.size()) << 1);
        const Span written{position(), static_cast<std::uint32_t>(text.size())};
        if (!text.empty()) std::memcpy(room(text.size()), text.data(), text.size());
        size_ += text.size();
        if (text.size() >= kShortest && seen_count_ < seen_.size()) seen_[seen_count_++] = written;
        return written;
    }
    // A string lying inside `parent` (a URI's user or host) becomes a reference into it.
    void string_within(std::string_view text, Span parent) {
        if (!text.empty() && text.size() <= parent.size) {
            const std::string_view in(out_.data() + parent.at, parent.size);
            if (auto pos = in.find(text); pos != std::string_view::npos) {
                reference(Span{parent.at + static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(text.size())});
                return;
            }
        }
        string(text);
    }

    std::uint32_t position() const {
        if (size_ > UINT32_MAX / 2) throw std::length_error("packed record too large");
        return static_cast<std::uint32_t>(size_);
    }
    std::string_view bytes() const { return {out_.data(), size_}; }

private:
    static constexpr std::size_t kShortest = 4;  // shorter strings cost less written out than referenced

    Span reference(Span target) {
        unsigned_int((static_cast<std::uint64_t>(target.at) << 1) | 1);
        unsigned_int(target.size);
        return target;
    }

    static constexpr std::size_t kInitialRoom = 1024;  // a usual INVITE's record takes about 500

    // Where the next `n` bytes go, growing the buffer when they would not fit.
    char* room(std::size_t n) {
        if (size_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, size_ + n));
        return out_.data() + size_;
    }

    std::string& out_;
    std::size_t size_ = 0;
    std::array<Span, 48> seen_{};
    std::size_t seen_count_ = 0;
};

// Reads what Writer wrote, from `at` on. The buffer is our own, so it is trusted; a read past its
// end is still a logic_error rather than a wild read.
class Reader {
public:
    Reader(std::string_view bytes, std::uint32_t at) : bytes_(bytes), at_(at) {}

    std::uint8_t byte() {
        if (at_ >= bytes_.size()) throw std::logic_error("packed record: read past the end");
        return static_cast<std::uint8_t>(bytes_[at_++]);
    }
    bool flag() { return byte() != 0; }
    std::uint64_t unsigned_int() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const std::uint8_t b = byte();
            value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        return value;
    }
    std::int64_t signed_int() {
        const std::uint64_t value = unsigned_int();
        return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
    }
    double real() {
        if (at_ + sizeof(double) > bytes_.size()) throw std::logic_error("packed record: read past the end");
        double value = 0;
        std::memcpy(&value, bytes_.data() + at_, sizeof value);
        at_ += sizeof value;
        return value;
    }
    std::string_view string_view() {
        const std::uint64_t header = unsigned_int();
        std::uint64_t start = at_;
        std::uint64_t size = header >> 1;
        if ((header & 1) != 0) {
            start = size;
            size = unsigned_int();
        } else {
            at_ += static_cast<std::uint32_t>(size);
        }
        if (start + size > bytes_.size()) throw std::logic_error("packed record: string past the end");
        return bytes_.substr(start, size);
    }
    std::uint32_t position() const { return at_; }

private:
    std::string_view bytes_;
    std::uint32_t at_ = 0;
};

// --- One put/get pair per record type, fields in declaration order ----------------------------

template <typename T>
T narrow(std::uint64_t value) {
    return static_cast<T>(value);
}

void put(Writer& w, const std::string& text) { w.string(text); }
// Every get() assigns into what may hold an earlier record's values, reusing their storage.
void get(Reader& r, std::string& text) { text.assign(r.string_view()); }
void put(Writer& w, bool value) { w.flag(value); }
void get(Reader& r, bool& value) { value = r.flag(); }
void put(Writer& w, std::uint16_t value) { w.unsigned_int(value); }
void get(Reader& r, std::uint16_t& value) { value = narrow<std::uint16_t>(r.unsigned_int()); }
void put(Writer& w, std::uint32_t value) { w.unsigned_int(value); }
void get(Reader& r, std::uint32_t& value) { value = narrow<std::uint32_t>(r.unsigned_int()); }
void put(Writer& w, std::uint64_t value) { w.unsigned_int(value); }
void get(Reader& r, std::uint64_t& value) { value = r.unsigned_int(); }
void put(Writer& w, int value) { w.signed_int(value); }
void get(Reader& r, int& value) { value = static_cast<int>(r.signed_int()); }
void put(Writer& w, std::int64_t value) { w.signed_int(value); }
void get(Reader& r, std::int64_t& value) { value = r.signed_int(); }
void put(Writer& w, double value) { w.real(value); }
void get(Reader& r, double& value) { value = r.real(); }

// Closed sets (every enum packed here has fewer than 256 values) take one byte.
template <typename E>
    requires std::is_enum_v<E>
void put(Writer& w, E value) {
    w.byte(static_cast<std::uint8_t>(value));
}
template <typename E>
    requires std::is_enum_v<E>
void get(Reader& r, E& value) {
    value = static_cast<E>(r.byte());
}

// The put() and get() calls inside the templates below are resolved where a template is used, by
// argument-dependent lookup: Writer and Reader live in this unnamed namespace, so every overload
// in it is a candidate whatever the order of the definitions.
template <typename T>
void put(Writer& w, const std::optional<T>& value) {
    w.flag(value.has_value());
    if (value) put(w, *value);
}
template <typename T>
void get(Reader& r, std::optional<T>& value) {
    if (!r.flag()) {
        value.reset();
        return;
    }
    get(r, value ? *value : value.emplace());
}
template <typename T>
void put(Writer& w, const std::vector<T>& values) {
    w.unsigned_int(values.size());
    for (const auto& value : values) put(w, value);
}
template <typename T>
void get(Reader& r, std::vector<T>& values) {
    values.resize(r.unsigned_int());
    for (auto& value : values) get(r, value);
}

// Fields<T>::of(x) ties the packed fields of x, in declaration order: const references for put(),
// references for get(). One list per type, so packing and unpacking cannot disagree.
template <typename T>
struct Fields;

template <typename T>
concept FieldWise = requires(const T& value) { Fields<T>::of(value); };

template <FieldWise T>
void put(Writer& w, const T& value) {
    std::apply([&w](const auto&... field) { (put(w, field), ...); }, Fields<T>::of(value));
}
template <FieldWise T>
void get(Reader& r, T& value) {
    std::apply([&r](auto&... field) { (get(r, field), ...); }, Fields<T>::of(value));
}

using StringPair = std::pair<std::string, std::string>;
// One line per type: SCAMGATE_PACKED_FIELDS(T, x.a, x.b, ...) lists T's packed fields as x.NAME.
#define SCAMGATE_PACKED_FIELDS(T, ...)                              \
    template <>                                                     \
    struct Fields<T> {                                              \
        static auto of(auto& x) { return std::tie(__VA_ARGS__); }   \
    };
SCAMGATE_PACKED_FIELDS(StringPair, x.first, x.second)
SCAMGATE_PACKED_FIELDS(Via, x.transport, x.host, x.port, x.branch)
SCAMGATE_PACKED_FIELDS(MediaEndpoint, x.type, x.address, x.port, x.protocol)
SCAMGATE_PACKED_FIELDS(CallTimeline, x.invite, x.first_provisional, x.first_provisional_status, x.ringing, x.answer,
                       x.end)
// call_id first: PackedCall's key view is found there.
SCAMGATE_PACKED_FIELDS(CallDetails, x.call_id, x.request_uri, x.from, x.to, x.p_asserted_identity,
                       x.p_preferred_identity, x.remote_party_id, x.diversion, x.history_info, x.privacy,
                       x.has_identity_header, x.contact, x.via_first, x.via_last, x.via_count, x.user_agent,
                       x.server, x.max_forwards, x.content_type, x.media, x.timeline, x.final_status,
                       x.final_reason, x.end, x.messages, x.invite_retransmissions, x.reinvites)
SCAMGATE_PACKED_FIELDS(Ingress, x.src, x.dst, x.src_port, x.dst_port, x.transport, x.vlans, x.tunnel, x.tunnel_src,
                       x.tunnel_dst, x.tunnel_id)
SCAMGATE_PACKED_FIELDS(SignatureHit, x.id, x.name, x.category, x.field, x.view, x.value, x.score)
SCAMGATE_PACKED_FIELDS(CheckFinding, x.name, x.evidence, x.score)
SCAMGATE_PACKED_FIELDS(ModelScore, x.name, x.version, x.probability, x.score)
SCAMGATE_PACKED_FIELDS(HostModelScore, x.name, x.version, x.probability, x.host)
SCAMGATE_PACKED_FIELDS(ScoreContribution, x.signal, x.value, x.weight)
SCAMGATE_PACKED_FIELDS(ScoreBreakdown, x.name, x.version, x.intercept, x.contributions, x.probability)
SCAMGATE_PACKED_FIELDS(Verdict, x.trunk, x.role, x.hits, x.checks, x.categories, x.lists, x.model, x.host_model,
                       x.calibration, x.score, x.rule, x.action, x.policy_enforces, x.enforced,
                       x.not_enforced_reason, x.sip_status, x.sip_reason, x.smpp_status, x.tags, x.tag_headers,
                       x.display_name_prefix, x.behaviour_open)

#undef SCAMGATE_PACKED_FIELDS

// --- Written by hand: an address is 4 or 16 bytes; a party's user and host refer into its URI ---

void put(Writer& w, const IpAddress& address) {
    w.flag(address.is_v4());
    const auto& bytes = address.bytes();
    for (std::size_t i = 0; i < address.size(); ++i) w.byte(bytes[i]);
}
void get(Reader& r, IpAddress& address) {
    const bool v4 = r.flag();
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < (v4 ? 4u : 16u); ++i) bytes[i] = r.byte();
    address = v4 ? IpAddress::v4(bytes.data()) : IpAddress::v6(bytes.data());
}

void put(Writer& w, const Party& party) {
    w.string(party.display);
    const Span uri = w.string(party.uri);
    w.string_within(party.user, uri);
    w.string_within(party.host, uri);
    w.string(party.tag);
    w.flag(party.user_is_phone);
}
void get(Reader& r, Party& party) {
    get(r, party.display);
    get(r, party.uri);
    get(r, party.user);
    get(r, party.host);
    get(r, party.tag);
    party.user_is_phone = r.flag();
}

// A field added to one of these types must be packed above (and then these sizes updated). Checked
// where the sizes are known: libstdc++ on x86-64.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(Party) == 168, "Party changed: pack the new field");
static_assert(sizeof(Ingress) == 136, "Ingress changed: pack the new field");
static_assert(sizeof(CallDetails) == 1080, "CallDetails changed: pack the new field");
static_assert(sizeof(Verdict) == 688, "Verdict changed: pack the new field");
#endif

}  // namespace

PackedCall::PackedCall(const CallDetails& details, const Ingress& ingress, const Verdict* verdict,
                       std::string& scratch) {
    Writer w(scratch);
    put(w, details);
    ingress_at_ = w.position();
    put(w, ingress);
    if (verdict != nullptr) {
        verdict_at_ = w.position();
        put(w, *verdict);
    }
    const std::string_view bytes = w.bytes();
    size_ = static_cast<std::uint32_t>(bytes.size());
    bytes_ = std::make_unique_for_overwrite<char[]>(size_);
    std::memcpy(bytes_.get(), bytes.data(), size_);
    Reader r({bytes_.get(), size_}, 0);
    const std::string_view id = r.string_view();
    call_id_at_ = static_cast<std::uint32_t>(id.data() - bytes_.get());
    call_id_size_ = static_cast<std::uint32_t>(id.size());
}

PackedCall::PackedCall(const CallDetails& details, const Ingress& ingress, const Verdict* verdict) {
    std::string scratch;
    *this = PackedCall(details, ingress, verdict, scratch);
}

void PackedCall::details_into(CallDetails& details) const {
    if (ingress_at_ == 0) throw std::logic_error("packed call: details released");
    Reader r({bytes_.get(), size_}, 0);
    get(r, details);
}

void PackedCall::ingress_into(Ingress& ingress) const {
    if (ingress_at_ == 0) throw std::logic_error("packed call: details released");
    Reader r({bytes_.get(), size_}, ingress_at_);
    get(r, ingress);
}

void PackedCall::verdict_into(std::optional<Verdict>& verdict) const {
    if (verdict_at_ == 0) {
        verdict.reset();
        return;
    }
    Reader r({bytes_.get(), size_}, verdict_at_);
    get(r, verdict ? *verdict : verdict.emplace());
}

CallDetails PackedCall::details() const {
    CallDetails details;
    details_into(details);
    return details;
}

Ingress PackedCall::ingress() const {
    Ingress ingress;
    ingress_into(ingress);
    return ingress;
}

std::optional<Verdict> PackedCall::verdict() const {
    std::optional<Verdict> verdict;
    verdict_into(verdict);
    return verdict;
}

void PackedCall::keep_call_id_only() {
    auto kept = std::make_unique_for_overwrite<char[]>(call_id_size_);
    std::memcpy(kept.get(), bytes_.get() + call_id_at_, call_id_size_);
    bytes_ = std::move(kept);
    size_ = call_id_size_;
    call_id_at_ = 0;
    ingress_at_ = 0;
    verdict_at_ = 0;
}

}  // namespace scamgate::record
