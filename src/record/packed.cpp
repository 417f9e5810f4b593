#include "record/packed.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
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

// Declared before the templates below, which find them by ordinary lookup (not ADL: they are in an
// unnamed namespace).
#define SCAMGATE_PACKED_TYPE(T) \
    void put(Writer& w, const T& value); \
    void get(Reader& r, T& value);
SCAMGATE_PACKED_TYPE(IpAddress)
SCAMGATE_PACKED_TYPE(Party)
SCAMGATE_PACKED_TYPE(Via)
SCAMGATE_PACKED_TYPE(MediaEndpoint)
SCAMGATE_PACKED_TYPE(CallTimeline)
SCAMGATE_PACKED_TYPE(CallDetails)
SCAMGATE_PACKED_TYPE(Ingress)
SCAMGATE_PACKED_TYPE(SignatureHit)
SCAMGATE_PACKED_TYPE(CheckFinding)
SCAMGATE_PACKED_TYPE(ModelScore)
SCAMGATE_PACKED_TYPE(HostModelScore)
SCAMGATE_PACKED_TYPE(ScoreContribution)
SCAMGATE_PACKED_TYPE(ScoreBreakdown)
SCAMGATE_PACKED_TYPE(Verdict)
#undef SCAMGATE_PACKED_TYPE
void put(Writer& w, const std::pair<std::string, std::string>& pair);
void get(Reader& r, std::pair<std::string, std::string>& pair);

template <typename T>
void put(Writer& w, const std::optional<T>& value);
template <typename T>
void get(Reader& r, std::optional<T>& value);
template <typename T>
void put(Writer& w, const std::vector<T>& values);
template <typename T>
void get(Reader& r, std::vector<T>& values);

void put(Writer& w, std::uint16_t value) { w.unsigned_int(value); }
void get(Reader& r, std::uint16_t& value) { value = narrow<std::uint16_t>(r.unsigned_int()); }
void put(Writer& w, std::uint32_t value) { w.unsigned_int(value); }
void get(Reader& r, std::uint32_t& value) { value = narrow<std::uint32_t>(r.unsigned_int()); }
void put(Writer& w, std::uint64_t value) { w.unsigned_int(value); }
void put(Writer& w, int value) { w.signed_int(value); }
void get(Reader& r, int& value) { value = static_cast<int>(r.signed_int()); }
void put(Writer& w, std::int64_t value) { w.signed_int(value); }
void get(Reader& r, std::int64_t& value) { value = r.signed_int(); }
void put(Writer& w, double value) { w.real(value); }
void get(Reader& r, double& value) { value = r.real(); }

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

void put(Writer& w, const std::pair<std::string, std::string>& pair) {
    w.string(pair.first);
    w.string(pair.second);
}
void get(Reader& r, std::pair<std::string, std::string>& pair) {
    get(r, pair.first);
    get(r, pair.second);
}

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

// A party's user and host are parts of its URI, so they refer into it.
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

void put(Writer& w, const Via& via) {
    put(w, via.transport);
    put(w, via.host);
    put(w, via.port);
    put(w, via.branch);
}
void get(Reader& r, Via& via) {
    get(r, via.transport);
    get(r, via.host);
    get(r, via.port);
    get(r, via.branch);
}

void put(Writer& w, const MediaEndpoint& media) {
    put(w, media.type);
    put(w, media.address);
    put(w, media.port);
    put(w, media.protocol);
}
void get(Reader& r, MediaEndpoint& media) {
    get(r, media.type);
    get(r, media.address);
    get(r, media.port);
    get(r, media.protocol);
}

void put(Writer& w, const CallTimeline& t) {
    put(w, t.invite);
    put(w, t.first_provisional);
    put(w, t.first_provisional_status);
    put(w, t.ringing);
    put(w, t.answer);
    put(w, t.end);
}
void get(Reader& r, CallTimeline& t) {
    get(r, t.invite);
    get(r, t.first_provisional);
    get(r, t.first_provisional_status);
    get(r, t.ringing);
    get(r, t.answer);
    get(r, t.end);
}

// call_id first: PackedCall's key view is found there.
void put(Writer& w, const CallDetails& d) {
    put(w, d.call_id);
    put(w, d.request_uri);
    put(w, d.from);
    put(w, d.to);
    put(w, d.p_asserted_identity);
    put(w, d.p_preferred_identity);
    put(w, d.remote_party_id);
    put(w, d.diversion);
    put(w, d.history_info);
    put(w, d.privacy);
    w.flag(d.has_identity_header);
    put(w, d.contact);
    put(w, d.via_first);
    put(w, d.via_last);
    put(w, std::uint64_t{d.via_count});
    put(w, d.user_agent);
    put(w, d.server);
    put(w, d.max_forwards);
    put(w, d.content_type);
    put(w, d.media);
    put(w, d.timeline);
    put(w, d.final_status);
    put(w, d.final_reason);
    w.byte(static_cast<std::uint8_t>(d.end));
    put(w, d.messages);
    put(w, d.invite_retransmissions);
    put(w, d.reinvites);
}
void get(Reader& r, CallDetails& d) {
    get(r, d.call_id);
    get(r, d.request_uri);
    get(r, d.from);
    get(r, d.to);
    get(r, d.p_asserted_identity);
    get(r, d.p_preferred_identity);
    get(r, d.remote_party_id);
    get(r, d.diversion);
    get(r, d.history_info);
    get(r, d.privacy);
    d.has_identity_header = r.flag();
    get(r, d.contact);
    get(r, d.via_first);
    get(r, d.via_last);
    d.via_count = narrow<std::size_t>(r.unsigned_int());
    get(r, d.user_agent);
    get(r, d.server);
    get(r, d.max_forwards);
    get(r, d.content_type);
    get(r, d.media);
    get(r, d.timeline);
    get(r, d.final_status);
    get(r, d.final_reason);
    d.end = static_cast<CallEnd>(r.byte());
    get(r, d.messages);
    get(r, d.invite_retransmissions);
    get(r, d.reinvites);
}

void put(Writer& w, const Ingress& in) {
    put(w, in.src);
    put(w, in.dst);
    put(w, in.src_port);
    put(w, in.dst_port);
    put(w, in.transport);
    put(w, in.vlans);
    w.byte(static_cast<std::uint8_t>(in.tunnel));
    put(w, in.tunnel_src);
    put(w, in.tunnel_dst);
    put(w, in.tunnel_id);
}
void get(Reader& r, Ingress& in) {
    get(r, in.src);
    get(r, in.dst);
    get(r, in.src_port);
    get(r, in.dst_port);
    get(r, in.transport);
    get(r, in.vlans);
    in.tunnel = static_cast<net::TunnelKind>(r.byte());
    get(r, in.tunnel_src);
    get(r, in.tunnel_dst);
    get(r, in.tunnel_id);
}

void put(Writer& w, const SignatureHit& hit) {
    put(w, hit.id);
    put(w, hit.name);
    put(w, hit.category);
    put(w, hit.field);
    put(w, hit.view);
    put(w, hit.value);
    put(w, hit.score);
}
void get(Reader& r, SignatureHit& hit) {
    get(r, hit.id);
    get(r, hit.name);
    get(r, hit.category);
    get(r, hit.field);
    get(r, hit.view);
    get(r, hit.value);
    get(r, hit.score);
}

void put(Writer& w, const CheckFinding& check) {
    put(w, check.name);
    put(w, check.evidence);
    put(w, check.score);
}
void get(Reader& r, CheckFinding& check) {
    get(r, check.name);
    get(r, check.evidence);
    get(r, check.score);
}

void put(Writer& w, const ModelScore& model) {
    put(w, model.name);
    put(w, model.version);
    put(w, model.probability);
    put(w, model.score);
}
void get(Reader& r, ModelScore& model) {
    get(r, model.name);
    get(r, model.version);
    get(r, model.probability);
    get(r, model.score);
}

void put(Writer& w, const HostModelScore& model) {
    put(w, model.name);
    put(w, model.version);
    put(w, model.probability);
    put(w, model.host);
}
void get(Reader& r, HostModelScore& model) {
    get(r, model.name);
    get(r, model.version);
    get(r, model.probability);
    get(r, model.host);
}

void put(Writer& w, const ScoreContribution& c) {
    put(w, c.signal);
    put(w, c.value);
    put(w, c.weight);
}
void get(Reader& r, ScoreContribution& c) {
    get(r, c.signal);
    get(r, c.value);
    get(r, c.weight);
}

void put(Writer& w, const ScoreBreakdown& b) {
    put(w, b.name);
    put(w, b.version);
    put(w, b.intercept);
    put(w, b.contributions);
    put(w, b.probability);
}
void get(Reader& r, ScoreBreakdown& b) {
    get(r, b.name);
    get(r, b.version);
    get(r, b.intercept);
    get(r, b.contributions);
    get(r, b.probability);
}

void put(Writer& w, const Verdict& v) {
    put(w, v.trunk);
    put(w, v.role);
    put(w, v.hits);
    put(w, v.checks);
    put(w, v.categories);
    put(w, v.lists);
    put(w, v.model);
    put(w, v.host_model);
    put(w, v.calibration);
    put(w, v.score);
    put(w, v.rule);
    put(w, v.action);
    w.flag(v.policy_enforces);
    w.flag(v.enforced);
    w.flag(v.not_enforced_reason.has_value());
    if (v.not_enforced_reason) w.byte(static_cast<std::uint8_t>(*v.not_enforced_reason));
    put(w, v.sip_status);
    put(w, v.sip_reason);
    put(w, v.smpp_status);
    put(w, v.tags);
    put(w, v.tag_headers);
    put(w, v.display_name_prefix);
    w.flag(v.behaviour_open);
}
void get(Reader& r, Verdict& v) {
    get(r, v.trunk);
    get(r, v.role);
    get(r, v.hits);
    get(r, v.checks);
    get(r, v.categories);
    get(r, v.lists);
    get(r, v.model);
    get(r, v.host_model);
    get(r, v.calibration);
    get(r, v.score);
    get(r, v.rule);
    get(r, v.action);
    v.policy_enforces = r.flag();
    v.enforced = r.flag();
    v.not_enforced_reason.reset();
    if (r.flag()) v.not_enforced_reason = static_cast<NotEnforcedReason>(r.byte());
    get(r, v.sip_status);
    get(r, v.sip_reason);
    get(r, v.smpp_status);
    get(r, v.tags);
    get(r, v.tag_headers);
    get(r, v.display_name_prefix);
    v.behaviour_open = r.flag();
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
