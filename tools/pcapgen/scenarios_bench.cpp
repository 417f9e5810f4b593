// Benchmark traffic: many concurrent calls between domestic peers / international trunks and a
// gateway, Ethernet/IPv4, mostly UDP with a share of TCP on persistent connections.
// Frames are built directly from fixed-size headers (no PacketBuilder) so millions take seconds.
// Everything derives from the seed through splitmix64, so a seed gives the same file every time.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <queue>
#include <stdexcept>
#include <vector>

#include "pcapgen/scenarios.h"
#include "pcapgen/smpp_builder.h"
#include "pcapgen/sms_encode.h"

namespace scamgate::pcapgen {
namespace {

constexpr std::int64_t kBenchEpochSeconds = 1'768'464'000;  // 2026-01-15T08:00:00Z
constexpr std::int64_t kMs = 1'000'000;                     // nanoseconds
constexpr std::uint32_t kGatewayIp = 0xC6336401;             // 198.51.100.1
constexpr std::uint32_t kDomesticBase = 0xC6336414;          // 198.51.100.20 ..
constexpr std::uint32_t kTrunkBase = 0xCB00710A;             // 203.0.113.10 ..
constexpr std::uint32_t kSnaplen = 65535;

class SplitMix {
public:
    explicit SplitMix(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

private:
    std::uint64_t state_;
};

std::string ip_text(std::uint32_t ip) {
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xFF) + "." +
           std::to_string((ip >> 8) & 0xFF) + "." + std::to_string(ip & 0xFF);
}

// The peers calling the gateway: three in four domestic (198.51.100.20..), one in four
// international trunks (203.0.113.10..). 16 peers (12 + 4) unless --peers says otherwise.
struct PeerLayout {
    explicit PeerLayout(std::size_t peers) : domestic(peers - peers / 4), trunk(peers / 4) {}
    std::size_t domestic;
    std::size_t trunk;
};

std::uint32_t peer_ip(std::size_t peer, const PeerLayout& layout) {
    return peer < layout.domestic ? kDomesticBase + static_cast<std::uint32_t>(peer)
                                  : kTrunkBase + static_cast<std::uint32_t>(peer - layout.domestic);
}

std::string digits(SplitMix& r, int n) {
    std::string s(static_cast<std::size_t>(n), '0');
    for (char& c : s) c = static_cast<char>('0' + r.below(10));
    return s;
}

std::string domestic_number(SplitMix& r) {
    static constexpr std::array<const char*, 8> kMobile{"+8491", "+8498", "+8490", "+8438",
                                                         "+8486", "+8470", "+8483", "+8497"};
    static constexpr std::array<const char*, 4> kFixed{"+8424", "+8428", "+84236", "+84225"};
    if (r.below(10) < 6) return kMobile[r.below(kMobile.size())] + digits(r, 7);
    const char* area = kFixed[r.below(kFixed.size())];
    return area + digits(r, std::strlen(area) == 5 ? 8 : 7);
}

std::string foreign_number(SplitMix& r) {
    static constexpr std::array<const char*, 6> kPrefix{"+4420794", "+1202555", "+6125550", "+6565",
                                                         "+8610", "+8190"};
    return kPrefix[r.below(kPrefix.size())] + digits(r, 4);
}

std::string hex16(std::uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kHex[v & 0xF];
    return s;
}

// Everything about call number `index` comes from its own generator.
struct BenchCall {
    SipCall sip;
    CallOutcome outcome = CallOutcome::answered;
    std::size_t peer = 0;
    std::vector<std::int64_t> offsets;  // per step, ns after the INVITE
};

CallOutcome pick_outcome(SplitMix& r) {
    const auto x = r.below(100);
    if (x < 86) return CallOutcome::answered;
    if (x < 93) return CallOutcome::cancelled;
    if (x < 98) return CallOutcome::busy;
    return CallOutcome::not_found;
}

std::vector<std::int64_t> step_offsets(CallOutcome outcome, SplitMix& r) {
    const std::int64_t trying = r.between(2, 8) * kMs, ring = trying + r.between(60, 400) * kMs;
    switch (outcome) {
        case CallOutcome::answered: {
            const std::int64_t answer = ring + r.between(1500, 15000) * kMs;
            const std::int64_t bye = answer + r.between(5000, 240000) * kMs;
            return {0, trying, ring, answer, answer + r.between(20, 80) * kMs, bye, bye + r.between(5, 40) * kMs};
        }
        case CallOutcome::cancelled: {
            const std::int64_t cancel = ring + r.between(2000, 20000) * kMs;
            const std::int64_t ok = cancel + r.between(3, 20) * kMs;
            return {0, trying, ring, cancel, ok, ok + kMs, ok + r.between(20, 60) * kMs};
        }
        default: {
            const std::int64_t reject = trying + r.between(50, 3000) * kMs;
            return {0, trying, reject, reject + r.between(20, 60) * kMs};
        }
    }
}

BenchCall make_bench_call(std::uint64_t seed, std::uint64_t index, double tcp_share, const PeerLayout& layout) {
    SplitMix r(seed * 0x100000001B3ULL ^ (index + 1) * 0x9E3779B97F4A7C15ULL);
    BenchCall c;
    c.peer = r.below(100) < 20 ? layout.domestic + r.below(layout.trunk) : r.below(layout.domestic);
    const bool trunk = c.peer >= layout.domestic;
    c.sip.tcp = r.unit() < tcp_share;
    c.sip.caller_ip = ip_text(peer_ip(c.peer, layout));
    c.sip.gateway_ip = ip_text(kGatewayIp);
    c.sip.caller_port = c.sip.tcp ? static_cast<std::uint16_t>(41000 + c.peer) : 5060;
    c.sip.call_id = hex16(r.next()) + "-" + std::to_string(index) + "@" + c.sip.caller_ip;
    // International trunks mostly bring foreign callers; a few present domestic numbers.
    c.sip.caller = trunk && r.below(100) < 85 ? foreign_number(r) : domestic_number(r);
    c.sip.callee = domestic_number(r);
    c.sip.media_port = static_cast<std::uint16_t>(10000 + 2 * r.below(20000));
    c.sip.sdp_min_bytes = static_cast<std::size_t>(r.between(250, 480));
    c.sip.user_agent = trunk ? "IntlCarrier-SBC/4.2" : "VN-PBX/2.1";
    c.outcome = pick_outcome(r);
    c.offsets = step_offsets(c.outcome, r);
    return c;
}

// ---- frames ---------------------------------------------------------------------------------

void put16(std::uint8_t* p, std::uint16_t v) { p[0] = static_cast<std::uint8_t>(v >> 8); p[1] = static_cast<std::uint8_t>(v); }
void put32(std::uint8_t* p, std::uint32_t v) { put16(p, static_cast<std::uint16_t>(v >> 16)); put16(p + 2, static_cast<std::uint16_t>(v)); }

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum) {
    std::uint64_t s = sum;
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) s += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    if (i < n) s += static_cast<std::uint32_t>(p[i]) << 8;
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return static_cast<std::uint32_t>(s);
}

std::uint16_t fold(std::uint32_t s) {
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return static_cast<std::uint16_t>(~s & 0xFFFF);
}

struct Flow {
    std::uint32_t src_ip, dst_ip;
    std::uint16_t src_port, dst_port;
};

struct TcpState {
    std::uint32_t seq = 0, ack = 0;
};

// Ethernet + IPv4 + UDP/TCP + payload into `frame`, checksums included.
class FrameBuilder {
public:
    const std::vector<std::uint8_t>& build(const Flow& f, bool tcp, std::string_view payload,
                                           const TcpState* t = nullptr, std::uint8_t tcp_flags = 0x18) {
        const std::size_t l4 = tcp ? 20 : 8;
        frame_.assign(14 + 20 + l4 + payload.size(), 0);
        std::uint8_t* p = frame_.data();
        mac(p, f.dst_ip);
        mac(p + 6, f.src_ip);
        put16(p + 12, 0x0800);
        ipv4(p + 14, f, tcp, l4 + payload.size());
        std::uint8_t* seg = p + 34;
        if (!payload.empty()) std::memcpy(seg + l4, payload.data(), payload.size());
        put16(seg, f.src_port);
        put16(seg + 2, f.dst_port);
        if (tcp) {
            put32(seg + 4, t->seq);
            put32(seg + 8, t->ack);
            seg[12] = 0x50;
            seg[13] = tcp_flags;
            put16(seg + 14, 64240);
        } else {
            put16(seg + 4, static_cast<std::uint16_t>(l4 + payload.size()));
        }
        std::uint32_t pseudo = sum16(p + 26, 8, 0) + (tcp ? 6u : 17u) + static_cast<std::uint32_t>(l4 + payload.size());
        std::uint16_t sum = fold(sum16(seg, l4 + payload.size(), pseudo));
        if (!tcp && sum == 0) sum = 0xFFFF;
        put16(seg + (tcp ? 16 : 6), sum);
        return frame_;
    }

private:
    static void mac(std::uint8_t* p, std::uint32_t ip) {
        p[0] = 0x02; p[1] = 0x00;
        put32(p + 2, ip);
    }
    void ipv4(std::uint8_t* p, const Flow& f, bool tcp, std::size_t l4_len) {
        p[0] = 0x45;
        put16(p + 2, static_cast<std::uint16_t>(20 + l4_len));
        put16(p + 4, ip_id_++);
        put16(p + 6, tcp ? 0x4000 : 0);
        p[8] = 64;
        p[9] = tcp ? 6 : 17;
        put32(p + 12, f.src_ip);
        put32(p + 16, f.dst_ip);
        put16(p + 10, fold(sum16(p, 20, 0)));
    }

    std::vector<std::uint8_t> frame_;
    std::uint16_t ip_id_ = 1;
};

// Buffered classic-pcap output (microseconds).
class BenchPcap {
public:
    explicit BenchPcap(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc) {
        if (!out_) throw std::runtime_error("cannot write " + path);
        std::uint8_t h[24] = {};
        le32(h, 0xA1B2C3D4);
        h[4] = 2; h[6] = 4;
        le32(h + 16, kSnaplen);
        le32(h + 20, 1);
        append(h, sizeof h);
    }
    ~BenchPcap() { flush(); }
    BenchPcap(const BenchPcap&) = delete;
    BenchPcap& operator=(const BenchPcap&) = delete;

    void write(std::int64_t ts_ns, const std::vector<std::uint8_t>& frame) {
        std::uint8_t r[16];
        le32(r, static_cast<std::uint32_t>(ts_ns / 1'000'000'000));
        le32(r + 4, static_cast<std::uint32_t>(ts_ns % 1'000'000'000 / 1000));
        le32(r + 8, static_cast<std::uint32_t>(frame.size()));
        le32(r + 12, static_cast<std::uint32_t>(frame.size()));
        append(r, sizeof r);
        append(frame.data(), frame.size());
        bytes_ += 16 + frame.size();
        if (buffer_.size() > (4u << 20)) flush();
    }
    void flush() {
        out_.write(reinterpret_cast<const char*>(buffer_.data()), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
        if (!out_) throw std::runtime_error("write failed");
    }
    std::uint64_t bytes() const { return bytes_ + 24; }

private:
    static void le32(std::uint8_t* p, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    void append(const std::uint8_t* p, std::size_t n) { buffer_.insert(buffer_.end(), p, p + n); }

    std::ofstream out_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t bytes_ = 0;
};

// ---- the schedule ---------------------------------------------------------------------------

struct Event {
    std::int64_t ts;
    std::uint64_t call;
    std::uint32_t step;
    bool operator>(const Event& o) const {
        if (ts != o.ts) return ts > o.ts;
        if (call != o.call) return call > o.call;
        return step > o.step;
    }
};

class BenchRun {
public:
    explicit BenchRun(const BenchOptions& o)
        : opt_(o), layout_(o.peers), pcap_(o.out), arrivals_(o.seed ^ 0xA5A5A5A5ULL), conns_(o.peers) {}

    BenchSummary run() {
        next_start_ = kBenchEpochSeconds * 1'000'000'000;
        while (summary_.messages < opt_.messages) {
            // Calls keep arriving until the last message: the file is a window of steady traffic
            // that ends with calls in progress, as a real capture does.
            const bool start = events_.empty() || next_start_ <= events_.top().ts;
            if (start) start_call();
            else emit(pop());
        }
        pcap_.flush();
        summary_.bytes = pcap_.bytes();
        summary_.capture_seconds = static_cast<double>(last_ts_ - kBenchEpochSeconds * 1'000'000'000) / 1e9;
        return summary_;
    }

private:
    void start_call() {
        const std::uint64_t index = summary_.calls++;
        const BenchCall c = make_bench_call(opt_.seed, index, opt_.tcp_share, layout_);
        for (std::uint32_t i = 0; i < c.offsets.size(); ++i) events_.push({next_start_ + c.offsets[i], index, i});
        if (c.sip.tcp) ++summary_.tcp_calls;
        // Poisson arrivals at the configured rate.
        next_start_ += static_cast<std::int64_t>(-std::log(1.0 - arrivals_.unit()) / opt_.calls_per_second * 1e9);
    }

    Event pop() {
        Event e = events_.top();
        events_.pop();
        return e;
    }

    void emit(const Event& e) {
        const BenchCall c = make_bench_call(opt_.seed, e.call, opt_.tcp_share, layout_);
        const SipStep step = call_steps(c.outcome)[e.step];
        const bool up = sent_by_caller(step);
        const std::uint32_t peer = peer_ip(c.peer, layout_);
        const Flow f = up ? Flow{peer, kGatewayIp, c.sip.caller_port, c.sip.gateway_port}
                          : Flow{kGatewayIp, peer, c.sip.gateway_port, c.sip.caller_port};
        const std::string text = render_sip(c.sip, step);
        if (c.sip.tcp) emit_tcp(e.ts, c.peer, f, up, text);
        else write(e.ts, frames_.build(f, false, text));
        ++summary_.messages;
    }

    // One persistent connection per peer; the handshake goes out before its first message.
    void emit_tcp(std::int64_t ts, std::size_t peer, const Flow& f, bool up, std::string_view text) {
        TcpConn& conn = conns_[peer];
        if (!conn.open) open(ts, peer, up ? f : Flow{f.dst_ip, f.src_ip, f.dst_port, f.src_port}, conn);
        TcpState& mine = up ? conn.client : conn.server;
        const TcpState& theirs = up ? conn.server : conn.client;
        mine.ack = theirs.seq;
        write(ts, frames_.build(f, true, text, &mine));
        mine.seq += static_cast<std::uint32_t>(text.size());
    }

    struct TcpConn {
        bool open = false;
        TcpState client, server;
    };

    void open(std::int64_t ts, std::size_t peer, const Flow& up, TcpConn& conn) {
        const Flow down{up.dst_ip, up.src_ip, up.dst_port, up.src_port};
        conn.client.seq = 0x10000000u + static_cast<std::uint32_t>(peer) * 0x01000000u;
        conn.server.seq = 0x80000000u + static_cast<std::uint32_t>(peer) * 0x01000000u;
        const std::int64_t at = std::max(last_ts_, ts - 3 * kMs);  // timestamps never go back
        write(at, frames_.build(up, true, {}, &conn.client, 0x02));
        conn.client.seq += 1;
        conn.server.ack = conn.client.seq;
        write(at, frames_.build(down, true, {}, &conn.server, 0x12));
        conn.server.seq += 1;
        conn.client.ack = conn.server.seq;
        write(at, frames_.build(up, true, {}, &conn.client, 0x10));
        conn.open = true;
    }

    void write(std::int64_t ts, const std::vector<std::uint8_t>& frame) {
        pcap_.write(ts, frame);
        ++summary_.frames;
        last_ts_ = ts;
    }

    const BenchOptions& opt_;
    PeerLayout layout_;
    BenchPcap pcap_;
    SplitMix arrivals_;
    FrameBuilder frames_;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
    std::vector<TcpConn> conns_;
    std::int64_t next_start_ = 0;
    std::int64_t last_ts_ = 0;
    BenchSummary summary_;
};

// ---- SMPP benchmark -------------------------------------------------------------------------
// B ESMEs (203.0.113.100.. / 10.66.x.y, ports 42000+) keep one bind_transceiver each to the SMSC
// 198.51.100.5:2775 and submit bursts: one message (or the parts of one multipart message), or
// 2-4 messages packed in one TCP segment; the SMSC answers each burst with the resps in one
// segment. Texts come from small template sets with names, numbers and amounts drawn per message.

constexpr std::uint32_t kSmscIp = 0xC6336405;  // 198.51.100.5
constexpr std::uint16_t kSmscPort = 2775;
constexpr std::size_t kMaxSegment = 1400;

namespace smpp_text {

constexpr std::array<const char*, 8> kNames{"Nguyen Van An", "Tran Thi Bich", "Le Van Cuong", "Pham Thi Dung",
                                            "Hoang Van Em", "Vu Thi Giang", "Dang Van Hai", "Bui Thi Lan"};
constexpr std::array<const char*, 8> kNamesVi{"Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung",
                                              "Hoàng Văn Em", "Vũ Thị Giang", "Đặng Văn Hải", "Bùi Thị Lan"};
constexpr std::array<const char*, 6> kBanks{"VCB", "BIDV", "TCB", "MBBank", "ACB", "VPBank"};

// Placeholders: {N} name, {V} Vietnamese name, {B} bank, {P} phone, {A} amount, {C} code, {O} OTP.
constexpr std::array<const char*, 8> kGsm{
    "Ma OTP cua ban la {O}. Khong chia se ma nay cho bat ky ai.",
    "{B}: Tai khoan cua {N} bi tam khoa. Xac thuc tai https://{B}-xacthuc.example/{C} trong 24h.",
    "Chuc mung {N} trung thuong {A}d. Lien he {P} de nhan giai.",
    "Don hang {C} dang giao. Shipper se goi tu so {P}, vui long nghe may.",
    "KM: nap the 100k tang 50% [{C}] ~ {A}d {VIP} | soan KM gui 9029",
    "EVN: Quy khach no tien dien {A}d, se bi cat dien luc 17h. Lien he {P}",
    "Vay nhanh {A}d khong the chap, giai ngan 5 phut. Zalo {P}",
    "Cuc thue: {N} co khoan hoan thue {A}d. Khai bao tai http://thue-hoan.example/{C}",
};
constexpr std::array<const char*, 5> kUcs2{
    "Công an TP thông báo {V} liên quan vụ án, gọi {P}",
    "Thẻ {B} của bạn bị khóa, bấm https://{B}-mo-the.example/{C} để mở",
    "Chúc mừng {V} trúng {A} đồng. Gọi {P} để nhận.",
    "Bạn có bưu kiện chưa nhận, mã {C}. Xác nhận tại https://vnpost.example/{C}",
    "Ngân hàng {B}: giao dịch -{A}đ lúc 09:15. Không phải bạn? Gọi {P}",
};
constexpr std::array<const char*, 3> kLatin1{
    "Félicitations {N}! Votre colis {C} est en attente. Réglez 2,99 EUR: http://colis.example/{C}",
    "¡Enhorabuena! Ha ganado {A} pesos. Llame al {P} para recibir el premio.",
    "Ihr Paket {C} wartet. Zollgebühr bezahlen: http://zoll-paket.example/{C} - Danke.",
};

std::string num(SplitMix& r, int n) {
    std::string s(static_cast<std::size_t>(n), '0');
    for (char& c : s) c = static_cast<char>('0' + r.below(10));
    return s;
}

std::string fill(std::string_view tpl, SplitMix& r) {
    std::string out;
    for (std::size_t i = 0; i < tpl.size(); ++i) {
        if (tpl[i] != '{') { out.push_back(tpl[i]); continue; }
        const std::size_t end = tpl.find('}', i);
        const std::string_view key = tpl.substr(i + 1, end - i - 1);
        if (key == "N") out += kNames[r.below(kNames.size())];
        else if (key == "V") out += kNamesVi[r.below(kNamesVi.size())];
        else if (key == "B") out += kBanks[r.below(kBanks.size())];
        else if (key == "P") out += "09" + num(r, 8);
        else if (key == "A") out += std::to_string(1 + r.below(900)) + ".000.000";
        else if (key == "C") out += "HN" + num(r, 6);
        else if (key == "O") out += num(r, 6);
        else out.append("{").append(key).append("}");  // literal braces ({VIP})
        i = end;
    }
    return out;
}

// Sentences until at least `min_units`, cut to exactly `units` (septets or UTF-16 units).
std::vector<std::uint8_t> gsm_of_length(SplitMix& r, std::size_t units) {
    std::vector<std::uint8_t> septets;
    while (septets.size() < units) {
        const auto more = sms::gsm7_septets(fill(kGsm[r.below(kGsm.size())], r) + " ");
        septets.insert(septets.end(), more.begin(), more.end());
    }
    septets.resize(units);
    if (septets.back() == 0x1B) septets.back() = 0x2E;  // never end on a lone ESC: '.'
    return septets;
}
Bytes ucs2_of_length(SplitMix& r, std::size_t units) {
    Bytes b;
    while (b.size() < 2 * units) {
        const Bytes more = sms::ucs2_be(fill(kUcs2[r.below(kUcs2.size())], r) + " ");
        b.insert(b.end(), more.begin(), more.end());
    }
    b.resize(2 * units);  // templates are all in the BMP: no surrogate pair to cut
    return b;
}

}  // namespace smpp_text

class SmppBenchRun {
public:
    explicit SmppBenchRun(const SmppBenchOptions& o) : opt_(o), pcap_(o.out), rng_(o.seed * 0x2545F4914F6CDD1DULL + 7) {}

    SmppBenchSummary run() {
        ts_ = kBenchEpochSeconds * 1'000'000'000 + 3600LL * 1'000'000'000;
        const std::int64_t start = ts_;
        binds_.resize(opt_.binds);
        for (std::uint32_t i = 0; i < opt_.binds; ++i) open_bind(i);
        while (summary_.submits < opt_.submits) burst();
        for (std::uint32_t i = 0; i < opt_.binds; ++i) close_bind(i);
        pcap_.flush();
        summary_.bytes = pcap_.bytes();
        summary_.capture_seconds = static_cast<double>(ts_ - start) / 1e9;
        return summary_;
    }

private:
    struct TcpConn {
        TcpState client, server;
    };
    struct Bind {
        Flow up{};
        TcpConn conn;
        std::uint32_t seq = 0;
    };

    Flow down(const Flow& f) const { return {f.dst_ip, f.src_ip, f.dst_port, f.src_port}; }

    void advance(std::int64_t lo_us, std::int64_t hi_us) { ts_ += rng_.between(lo_us, hi_us) * 1000; }

    void segment(Bind& b, bool up, const Bytes& data, std::uint8_t flags = 0x18) {
        TcpState& mine = up ? b.conn.client : b.conn.server;
        const TcpState& theirs = up ? b.conn.server : b.conn.client;
        mine.ack = theirs.seq;
        const std::string_view payload(reinterpret_cast<const char*>(data.data()), data.size());
        pcap_.write(ts_, frames_.build(up ? b.up : down(b.up), true, payload, &mine, flags));
        ++summary_.frames;
        mine.seq += static_cast<std::uint32_t>(data.size()) + ((flags & 0x03) ? 1u : 0u);
    }

    void open_bind(std::uint32_t i) {
        Bind& b = binds_[i];
        const std::uint32_t ip = i < 100 ? 0xCB007164u + i : (0x0A420000u | (i & 0xFFFF));  // 203.0.113.100.. then 10.66.x.y
        b.up = {ip, kSmscIp, static_cast<std::uint16_t>(42000 + i % 20000), kSmscPort};
        b.conn.client.seq = 0x11000000u + i * 0x00100000u;
        b.conn.server.seq = 0x91000000u + i * 0x00100000u;
        segment(b, true, {}, 0x02);
        advance(100, 400);
        segment(b, false, {}, 0x12);
        segment(b, true, {}, 0x10);
        advance(50, 200);
        char id[16], pw[16];
        std::snprintf(id, sizeof id, "esme-%03u", i);
        std::snprintf(pw, sizeof pw, "pw%05u", i * 7919 % 100000);
        const std::uint32_t q = ++b.seq;
        segment(b, true, smpp::bind(smpp::cmd::bind_transceiver, q, id, pw, "SMPP"));
        advance(500, 3000);
        segment(b, false, smpp::bind_resp(smpp::cmd::bind_transceiver, q, "SMSC-BENCH"));
        summary_.pdus += 2;
        advance(10, 200);
    }

    void close_bind(std::uint32_t i) {
        Bind& b = binds_[i];
        const std::uint32_t q = ++b.seq;
        segment(b, true, smpp::unbind(q));
        advance(200, 1000);
        segment(b, false, smpp::unbind_resp(q));
        summary_.pdus += 2;
        segment(b, true, {}, 0x11);
        segment(b, false, {}, 0x11);
        segment(b, true, {}, 0x10);
        advance(10, 100);
    }

    smpp::Address source() {
        if (rng_.below(100) < 40) return {smpp_text::kBanks[rng_.below(smpp_text::kBanks.size())], 5, 0};
        return {"849" + smpp_text::num(rng_, 8), 1, 1};
    }
    smpp::Address destination() { return {"84" + std::to_string(3 + rng_.below(7)) + smpp_text::num(rng_, 8), 1, 1}; }

    // One logical message as the submit_sm PDUs (without sequence numbers yet).
    std::vector<smpp::ShortMessage> message(std::uint64_t room) {
        const smpp::Address src = source(), dst = destination();
        const auto kind = rng_.below(100);
        std::vector<smpp::ShortMessage> parts;
        auto single = [&](std::uint8_t dc, Bytes sm) {
            parts.push_back({.source = src, .destination = dst, .registered_delivery = 1, .data_coding = dc,
                             .short_message = std::move(sm)});
        };
        if (kind < 60 || (kind >= 80 && kind < 95 && room < 4)) {
            std::vector<std::uint8_t> s = sms::gsm7_septets(smpp_text::fill(smpp_text::kGsm[rng_.below(smpp_text::kGsm.size())], rng_));
            if (s.size() > 160) s.resize(160);
            single(smpp::dc::smsc_default, Bytes(s.begin(), s.end()));
            ++summary_.gsm7;
        } else if (kind < 80) {
            Bytes b = sms::ucs2_be(smpp_text::fill(smpp_text::kUcs2[rng_.below(smpp_text::kUcs2.size())], rng_));
            if (b.size() > 140) b.resize(140);
            single(smpp::dc::ucs2, std::move(b));
            ++summary_.ucs2;
        } else if (kind < 95) {
            const auto n = static_cast<std::uint8_t>(2 + rng_.below(3));
            const bool ucs2 = rng_.below(100) < 30;
            const bool ref16 = rng_.below(2) == 0;
            const auto ref = static_cast<std::uint16_t>(ref16 ? rng_.below(65536) : rng_.below(256));
            std::vector<Bytes> bodies;
            if (ucs2) {
                const std::size_t per = ref16 ? 66 : 67;
                const Bytes all = smpp_text::ucs2_of_length(rng_, per * (n - 1) + 1 + rng_.below(per));
                bodies = sms::split_ucs2(all, per * 2);
                ++summary_.ucs2;
            } else {
                const std::size_t per = ref16 ? 152 : 153;
                const auto all = smpp_text::gsm_of_length(rng_, per * (n - 1) + 1 + rng_.below(per));
                for (auto& p : sms::split_septets(all, per)) bodies.emplace_back(p.begin(), p.end());
                ++summary_.gsm7;
            }
            for (std::size_t k = 0; k < bodies.size(); ++k) {
                Bytes sm = sms::udh_concat(ref, ref16, static_cast<std::uint8_t>(bodies.size()), static_cast<std::uint8_t>(k + 1));
                sm.insert(sm.end(), bodies[k].begin(), bodies[k].end());
                parts.push_back({.source = src, .destination = dst, .esm_class = smpp::esm::udhi, .registered_delivery = 1,
                                 .data_coding = ucs2 ? smpp::dc::ucs2 : smpp::dc::smsc_default, .short_message = std::move(sm)});
            }
            ++summary_.multipart_sms;
        } else if (rng_.below(2) == 0) {
            single(smpp::dc::latin1, sms::latin1(smpp_text::fill(smpp_text::kLatin1[rng_.below(smpp_text::kLatin1.size())], rng_)));
            ++summary_.other;
        } else {
            const auto s = smpp_text::gsm_of_length(rng_, 170 + rng_.below(200));
            parts.push_back({.source = src, .destination = dst, .registered_delivery = 1, .data_coding = smpp::dc::smsc_default,
                             .tlvs = {smpp::tlv_bytes(smpp::tag::message_payload, Bytes(s.begin(), s.end()))}});
            ++summary_.other;
        }
        ++summary_.sms;
        return parts;
    }

    void burst() {
        Bind& b = binds_[rng_.below(binds_.size())];
        const std::uint64_t room = opt_.submits - summary_.submits;
        // 70%: one message; 30%: 2-4 messages back to back (window > 1).
        std::uint64_t messages = rng_.below(100) < 70 ? 1 : 2 + rng_.below(3);
        std::vector<Bytes> pdus, resps;
        for (std::uint64_t m = 0; m < messages && pdus.size() < room; ++m) {
            for (const smpp::ShortMessage& part : message(room - pdus.size())) {
                const std::uint32_t q = ++b.seq;
                pdus.push_back(smpp::submit_sm(q, part));
                char id[12];
                std::snprintf(id, sizeof id, "%08llx", static_cast<unsigned long long>(++message_ids_));
                resps.push_back(smpp::submit_sm_resp(q, id));
            }
        }
        send_packed(b, true, pdus);
        advance(300, 6000);
        send_packed(b, false, resps);
        summary_.submits += pdus.size();
        summary_.pdus += pdus.size() + resps.size();
        if (rng_.below(2000) == 0) {
            const std::uint32_t q = ++b.seq;
            segment(b, true, smpp::enquire_link(q));
            advance(100, 900);
            segment(b, false, smpp::enquire_link_resp(q));
            summary_.pdus += 2;
        }
        advance(50, 900);
    }

    // PDUs packed into segments of at most kMaxSegment bytes (a PDU never split here).
    void send_packed(Bind& b, bool up, const std::vector<Bytes>& pdus) {
        Bytes seg;
        for (const Bytes& p : pdus) {
            if (!seg.empty() && seg.size() + p.size() > kMaxSegment) {
                segment(b, up, seg);
                seg.clear();
                advance(5, 60);
            }
            seg.insert(seg.end(), p.begin(), p.end());
        }
        if (!seg.empty()) segment(b, up, seg);
    }

    const SmppBenchOptions& opt_;
    BenchPcap pcap_;
    SplitMix rng_;
    FrameBuilder frames_;
    std::vector<Bind> binds_;
    std::int64_t ts_ = 0;
    std::uint64_t message_ids_ = 0;
    SmppBenchSummary summary_;
};

}  // namespace

SmppBenchSummary write_smpp_bench(const SmppBenchOptions& options) {
    if (options.binds == 0 || options.binds > 10000) throw std::invalid_argument("--binds must be 1..10000");
    if (options.submits == 0) throw std::invalid_argument("--pdus must be positive");
    return SmppBenchRun(options).run();
}

FloodSummary write_invite_flood(const FloodOptions& options) {
    if (options.invites == 0) throw std::invalid_argument("--invites must be positive");
    if (options.invites_per_second <= 0) throw std::invalid_argument("--rate must be positive");
    BenchPcap pcap(options.out);
    FrameBuilder frames;
    const std::int64_t start = kBenchEpochSeconds * 1'000'000'000;
    const double gap_ns = 1e9 / options.invites_per_second;
    FloodSummary summary;
    const PeerLayout layout(16);  // the bench's default peers
    for (std::uint64_t i = 0; i < options.invites; ++i) {
        // The bench's calls, with only their INVITE sent: same callers, trunks and SDP sizes.
        const BenchCall c = make_bench_call(options.seed, i, 0.0, layout);
        const Flow f{peer_ip(c.peer, layout), kGatewayIp, c.sip.caller_port, c.sip.gateway_port};
        const auto ts = start + static_cast<std::int64_t>(static_cast<double>(i) * gap_ns);
        pcap.write(ts, frames.build(f, false, render_sip(c.sip, SipStep::invite)));
        ++summary.invites;
        summary.capture_seconds = static_cast<double>(ts - start) / 1e9;
    }
    pcap.flush();
    summary.bytes = pcap.bytes();
    return summary;
}

BenchSummary write_bench(const BenchOptions& options) {
    if (options.tcp_share < 0 || options.tcp_share > 1) throw std::invalid_argument("--tcp-share must be in [0,1]");
    if (options.calls_per_second <= 0) throw std::invalid_argument("call rate must be positive");
    if (options.peers < 4 || options.peers > 200) throw std::invalid_argument("--peers must be 4..200");
    return BenchRun(options).run();
}

}  // namespace scamgate::pcapgen
