// SMS decoding cases: SMPP 3.4 sessions over TCP (smpp-*.pcap) and SIP MESSAGE with text/plain or
// application/vnd.3gpp.sms RP-DATA (sipmsg-*.pcap). Each case records the SMPP PDUs and the SMS a
// decoder must find; every expected SMS also goes to OUTDIR/sms_expected.jsonl.
#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pcapgen/packet_builder.h"
#include "pcapgen/pcap_writer.h"
#include "pcapgen/scenarios.h"
#include "pcapgen/sms_encode.h"
#include "pcapgen/smpp_builder.h"

namespace scamgate::pcapgen {
namespace {

namespace S = smpp;

constexpr Timestamp kSmsEpoch = (1'768'464'000LL + 3600) * kNanosPerSecond;  // 2026-01-15T09:00:00Z
constexpr Timestamp kSmsFrameGap = 15'000'000;                                // 15 ms
constexpr std::uint8_t kSyn = 0x02, kAck = 0x10, kPshAck = 0x18, kFinAck = 0x11, kSynAck = 0x12;
constexpr std::uint16_t kSmppPort = 2775;

struct Host {
    std::string ip;
    Mac mac;
};
const Host kEsme4{"203.0.113.50", {0x02, 0x00, 0xcb, 0x00, 0x71, 0x32}};
const Host kSmsc4{"198.51.100.5", {0x02, 0x00, 0xc6, 0x33, 0x64, 0x05}};
const Host kEsme6{"2001:db8:113::50", {0x02, 0x00, 0xcb, 0x00, 0x71, 0x32}};
const Host kSmsc6{"2001:db8:100::5", {0x02, 0x00, 0xc6, 0x33, 0x64, 0x05}};
const Host kUe4{"203.0.113.77", {0x02, 0x00, 0xcb, 0x00, 0x71, 0x4d}};
const Host kCscf4{"198.51.100.60", {0x02, 0x00, 0xc6, 0x33, 0x64, 0x3c}};
const Host kUe6{"2001:db8:113::77", {0x02, 0x00, 0xcb, 0x00, 0x71, 0x4d}};
const Host kCscf6{"2001:db8:100::60", {0x02, 0x00, 0xc6, 0x33, 0x64, 0x3c}};

struct Net {
    bool vlan = false;
    bool ipv6 = false;
};

class Capture {
public:
    explicit Capture(const std::string& path) : w_(path, linktype::ethernet) {
        if (!w_.ok()) throw std::runtime_error("cannot write " + path);
    }
    void frame(const Bytes& f) {
        ts_ += kSmsFrameGap;
        w_.write(ts_, f);
    }

private:
    PcapWriter w_;
    Timestamp ts_ = kSmsEpoch;
};

PacketBuilder ip_layers(const Net& n, const Host& src, const Host& dst, std::uint16_t ip_id) {
    PacketBuilder b;
    b.ethernet({.dst = dst.mac, .src = src.mac});
    if (n.vlan) b.vlan(214);
    if (n.ipv6) b.ipv6(src.ip, dst.ip);
    else b.ipv4(src.ip, dst.ip, {.id = ip_id, .dont_fragment = true});
    return b;
}

// One TCP connection: correct seq/ack on both sides; the case decides the write order.
class Tcp {
public:
    Tcp(Capture& cap, Net n, Host client, std::uint16_t client_port, Host server, std::uint16_t server_port)
        : cap_(cap), net_(n), client_(std::move(client)), server_(std::move(server)),
          client_port_(client_port), server_port_(server_port) {}

    Bytes segment(bool from_client, std::uint8_t flags, const Bytes& data = {}) {
        std::uint32_t& seq = from_client ? client_seq_ : server_seq_;
        const std::uint32_t ack = from_client ? server_seq_ : client_seq_;
        PacketBuilder b = ip_layers(net_, from_client ? client_ : server_, from_client ? server_ : client_, ip_id_++);
        b.tcp({.src_port = from_client ? client_port_ : server_port_, .dst_port = from_client ? server_port_ : client_port_,
               .seq = seq, .ack = (flags & kAck) ? ack : 0, .flags = flags,
               .window = static_cast<std::uint16_t>(from_client ? 64240 : 65160)});
        if (!data.empty()) b.payload(data);
        seq += static_cast<std::uint32_t>(data.size()) + ((flags & (kSyn | 0x01)) ? 1u : 0u);
        return b.build();
    }
    void send(bool from_client, const Bytes& data) { cap_.frame(segment(from_client, kPshAck, data)); }
    void open() {
        cap_.frame(segment(true, kSyn));
        cap_.frame(segment(false, kSynAck));
        cap_.frame(segment(true, kAck));
    }
    void close() {
        cap_.frame(segment(true, kFinAck));
        cap_.frame(segment(false, kFinAck));
        cap_.frame(segment(true, kAck));
    }
    // `data` in `parts` nearly equal segments, built in order (the caller may write them in any order).
    std::vector<Bytes> split(bool from_client, const Bytes& data, std::size_t parts) {
        std::vector<Bytes> out;
        const std::size_t step = (data.size() + parts - 1) / parts;
        for (std::size_t at = 0; at < data.size(); at += step) {
            const auto end = std::min(data.size(), at + step);
            out.push_back(segment(from_client, kPshAck, Bytes(data.begin() + static_cast<std::ptrdiff_t>(at),
                                                              data.begin() + static_cast<std::ptrdiff_t>(end))));
        }
        return out;
    }
    Capture& capture() { return cap_; }

private:
    Capture& cap_;
    Net net_;
    Host client_, server_;
    std::uint16_t client_port_, server_port_;
    std::uint32_t client_seq_ = 0x2a000000, server_seq_ = 0x5b000000;
    std::uint16_t ip_id_ = 0x3100;
};

// ---- expected results -----------------------------------------------------------------------

struct CaseCtx {
    std::string dir;
    std::string name;
    std::vector<ExpectedSms>* expected;
    std::string path() const { return dir + "/" + name + ".pcap"; }
};

std::string hex(const Bytes& b) {
    static constexpr char k[] = "0123456789abcdef";
    std::string s;
    for (std::uint8_t x : b) s.append({k[x >> 4], k[x & 0xF]});
    return s;
}

// ---- SMPP session ---------------------------------------------------------------------------

S::ShortMessage gsm7_message(S::Address src, S::Address dst, std::string_view text) {
    const auto septets = sms::gsm7_septets(text);
    if (septets.size() > 160) throw std::invalid_argument("GSM 7-bit single message over 160 septets");
    return {.source = std::move(src), .destination = std::move(dst), .data_coding = S::dc::smsc_default,
            .short_message = Bytes(septets.begin(), septets.end())};
}
S::ShortMessage ucs2_message(S::Address src, S::Address dst, std::string_view text) {
    Bytes b = sms::ucs2_be(text);
    if (b.size() > 140) throw std::invalid_argument("UCS-2 single message over 140 octets");
    return {.source = std::move(src), .destination = std::move(dst), .data_coding = S::dc::ucs2, .short_message = b};
}

class Smpp {
public:
    Smpp(Tcp& tcp, CaseCtx ctx) : tcp_(tcp), ctx_(std::move(ctx)) {}

    void esme(const Bytes& pdu, std::size_t pdus = 1) { tcp_.send(true, pdu); pdus_ += pdus; }
    void smsc(const Bytes& pdu, std::size_t pdus = 1) { tcp_.send(false, pdu); pdus_ += pdus; }
    void count(std::size_t n) { pdus_ += n; }
    std::uint32_t eseq() { return ++esme_seq_; }
    std::uint32_t sseq() { return ++smsc_seq_; }
    std::string message_id() {
        static constexpr char k[] = "0123456789abcdef";
        std::uint32_t v = 0x5c0a0000u + ++message_ids_;
        std::string s(8, '0');
        for (int i = 7; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = k[v & 0xF];
        return s;
    }

    void bind(std::uint32_t command, std::string_view system_id = "gen-esme-1", std::string_view password = "gen-secret") {
        const std::uint32_t s = eseq();
        esme(S::bind(command, s, system_id, password, "SMPP"));
        smsc(S::bind_resp(command, s, "SMSC-HN-01"));
    }
    void submit(const S::ShortMessage& m) {
        const std::uint32_t s = eseq();
        esme(S::submit_sm(s, m));
        smsc(S::submit_sm_resp(s, message_id()));
    }
    void deliver(const S::ShortMessage& m) {
        const std::uint32_t s = sseq();
        smsc(S::deliver_sm(s, m));
        esme(S::deliver_sm_resp(s));
    }
    void enquire_link(bool from_esme) {
        const std::uint32_t s = from_esme ? eseq() : sseq();
        if (from_esme) { esme(S::enquire_link(s)); smsc(S::enquire_link_resp(s)); }
        else { smsc(S::enquire_link(s)); esme(S::enquire_link_resp(s)); }
    }
    void unbind() {
        const std::uint32_t s = eseq();
        esme(S::unbind(s));
        smsc(S::unbind_resp(s));
    }

    // Expected SMS bookkeeping.
    void expect(std::string command, const S::Address& from, const S::Address& to, std::string text,
                std::string encoding, int total = 1, int received = 1) {
        ctx_.expected->push_back({ctx_.name, "smpp", std::move(command), from.value, from.ton, to.value,
                                  std::move(text), std::move(encoding), total, received});
        ++sms_;
    }

    std::size_t pdus() const { return pdus_; }
    std::size_t sms() const { return sms_; }
    Tcp& tcp() { return tcp_; }

private:
    Tcp& tcp_;
    CaseCtx ctx_;
    std::uint32_t esme_seq_ = 0, smsc_seq_ = 0, message_ids_ = 0;
    std::size_t pdus_ = 0, sms_ = 0;
};

CaseInfo smpp_info(const CaseCtx& ctx, const Smpp& s, std::string description) {
    CaseInfo i{ctx.name, ctx.name + ".pcap", linktype::ethernet, 0, 0, {}, std::move(description)};
    i.smpp_pdus = s.pdus();
    i.sms = s.sms();
    return i;
}

// Addresses used across the cases.
const S::Address kSubscriber{"84912345678", 1, 1};
const S::Address kSubscriber2{"84987654321", 1, 1};
const S::Address kLongNumber{"84987111222", 1, 1};
const S::Address kShortCode{"9029", 3, 0};
const S::Address kBrand{"VCB", 5, 0};

const std::string kGsmExtText =
    "KM: Nap 100k tang 50% {VIP} [T7] ~ €5 | cu phap NAP^100\\OTP_1 gui 9029 @VNPT";
const std::string kVietText = "Công an TP thông báo bạn liên quan vụ án, gọi 0987654321";
const std::string kLatin1Text = "Félicitations! Vous avez gagné un iPhone. Réclamez: http://promo.example/fr";
const std::string kIa5Text = "Your parcel is held at customs. Pay the fee at http://dhl-track.example/p?id=8812";
const std::string kBrandText =
    "VCB: Tai khoan quy khach bi tam khoa. Xac thuc ngay tai https://vcb-xacthuc.example trong 24h de tranh bi phong toa.";
const std::string kLongGsmText =
    "Thong bao tu Bo Cong An: Tai khoan ngan hang cua ban lien quan den duong day rua tien dang bi dieu tra. "
    "De tranh bi phong toa, ban phai chuyen toan bo so du vao tai khoan tam giu cua co quan dieu tra so "
    "0451000123456 tai ngan hang VCB trong vong 2 gio. Khong duoc tiet lo thong tin nay cho bat ky ai ke ca "
    "nguoi than. Moi thac mac lien he dong chi Thieu ta Nguyen Van Hung, SDT 0987654321. Ma ho so: HS-2026/0115.";
const std::string kLongVietText =
    "Quà tặng 🎁 Tri ân khách hàng: bạn đã trúng thưởng xe SH 150i. Nhận giải tại https://tri-an.example và "
    "nhập mã OTP gửi tới máy.";

// Parts of a concatenated SMPP message with UDH (esm_class 0x40), unpacked septets or UCS-2.
std::vector<S::ShortMessage> udh_parts(const S::Address& src, const S::Address& dst, std::string_view text, bool ucs2,
                                       std::uint16_t ref, bool ref16) {
    const std::size_t udh_len = ref16 ? 7 : 6;
    std::vector<Bytes> bodies;
    if (ucs2) {
        bodies = sms::split_ucs2(sms::ucs2_be(text), 140 - udh_len);
    } else {
        // 160 septets less the UDH's septets (UDH octets plus fill bits, TS 23.040 9.2.3.24).
        const std::size_t room = 160 - (udh_len * 8 + sms::fill_bits_after(udh_len)) / 7;
        for (const auto& p : sms::split_septets(sms::gsm7_septets(text), room)) bodies.emplace_back(p.begin(), p.end());
    }
    std::vector<S::ShortMessage> out;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        Bytes sm = sms::udh_concat(ref, ref16, static_cast<std::uint8_t>(bodies.size()), static_cast<std::uint8_t>(i + 1));
        sm.insert(sm.end(), bodies[i].begin(), bodies[i].end());
        out.push_back({.source = src, .destination = dst, .esm_class = S::esm::udhi,
                       .data_coding = ucs2 ? S::dc::ucs2 : S::dc::smsc_default, .short_message = sm});
    }
    return out;
}

void require_parts(const std::vector<S::ShortMessage>& parts, std::size_t n, std::string_view what) {
    if (parts.size() != n)
        throw std::logic_error(std::string(what) + ": expected " + std::to_string(n) + " parts, text gives " +
                               std::to_string(parts.size()));
}

// ---- SMPP cases -----------------------------------------------------------------------------

CaseInfo smpp_basic(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40001, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    s.submit(gsm7_message(kLongNumber, kSubscriber, kGsmExtText));
    s.expect("submit_sm", kLongNumber, kSubscriber, kGsmExtText, "gsm7");
    s.submit(ucs2_message(kLongNumber, kSubscriber, kVietText));
    s.expect("submit_sm", kLongNumber, kSubscriber, kVietText, "ucs2");
    {
        const S::Address fr{"33612345678", 1, 1};
        s.submit({.source = fr, .destination = kSubscriber2, .data_coding = S::dc::latin1,
                  .short_message = sms::latin1(kLatin1Text)});
        s.expect("submit_sm", fr, kSubscriber2, kLatin1Text, "latin1");
    }
    s.submit({.service_type = "CMT", .source = kLongNumber, .destination = kSubscriber2, .data_coding = S::dc::ia5,
              .short_message = sms::ia5(kIa5Text)});
    s.expect("submit_sm", kLongNumber, kSubscriber2, kIa5Text, "ascii");
    {
        const Bytes binary{0x00, 0x01, 0x02, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x7f, 0x80, 0xff};
        s.submit({.source = kLongNumber, .destination = kSubscriber, .protocol_id = 0x7f, .data_coding = S::dc::binary,
                  .short_message = binary});
        s.expect("submit_sm", kLongNumber, kSubscriber, "", "binary");
    }
    s.submit({.source = kBrand, .destination = kSubscriber, .priority_flag = 1,
              .validity_period = "260116090000000+", .registered_delivery = 1, .data_coding = S::dc::smsc_default,
              .short_message = gsm7_message(kBrand, kSubscriber, kBrandText).short_message});
    s.expect("submit_sm", kBrand, kSubscriber, kBrandText, "gsm7");
    s.enquire_link(true);
    const std::string mo = "HUY DV. Toi khong dang ky dich vu nay";
    s.deliver(gsm7_message(kSubscriber, kShortCode, mo));
    s.expect("deliver_sm", kSubscriber, kShortCode, mo, "gsm7");
    const std::string receipt =
        "id:5c0a0006 sub:001 dlvrd:001 submit date:2601150900 done date:2601150901 stat:DELIVRD err:000 text:VCB: Tai khoan quy";
    {
        S::ShortMessage r = gsm7_message(kSubscriber, kBrand, receipt);
        r.esm_class = S::esm::delivery_receipt;
        r.tlvs = {S::tlv_cstring(S::tag::receipted_message_id, "5c0a0006"), S::tlv_u8(S::tag::message_state, 2)};
        s.deliver(r);
        s.expect("deliver_sm", kSubscriber, kBrand, receipt, "gsm7");
    }
    s.enquire_link(false);
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP on TCP 2775, bind_transceiver gen-esme-1/gen-secret; 6 submit_sm (GSM-7 with extension "
                     "chars, UCS-2 Vietnamese, Latin-1 dc 3, IA5 dc 1, binary dc 4, alphanumeric TON 5 sender VCB) "
                     "with resps carrying message_ids; enquire_link both ways; deliver_sm MO from 84912345678 to 9029; "
                     "delivery receipt (esm_class 0x04, receipted_message_id 5c0a0006); unbind. 8 SMS");
}

const std::string kText1 = "Ban da trung thuong iPhone 15. Nhan qua tai http://qua-tang.example/a1";
const std::string kText2 = "Ma OTP cua ban la 884213. Khong chia se ma nay cho bat ky ai.";
const std::string kText3 = "EVN: Quy khach no tien dien 2.350.000d, se bi cat dien luc 17h. Lien he 0912000111";
const std::string kText4 = "Thẻ của bạn bị khóa, bấm https://nh-mo-the.example để mở";
const std::string kText5 = "Vay nhanh 50 trieu khong the chap, giai ngan 5 phut. Zalo 0901234567";
const std::string kText6 = "Hop dong bao hiem cua ban het han hom nay. Gia han tai http://bh.example";
const std::string kText7 = "Chuc mung sinh nhat! Tang ban ma giam gia SN50 tai cua hang.";

// Several PDUs per segment, one PDU over 3 segments, a PDU boundary inside a segment, and two
// segments written out of order.
CaseInfo smpp_segmented(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40002, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transmitter);
    // Three submit_sm in one segment, their three resps in one segment.
    std::vector<Bytes> batch, resps;
    for (const std::string* t : {&kText1, &kText2, &kText3}) {
        const std::uint32_t q = s.eseq();
        batch.push_back(S::submit_sm(q, gsm7_message(kLongNumber, kSubscriber, *t)));
        resps.push_back(S::submit_sm_resp(q, s.message_id()));
        s.expect("submit_sm", kLongNumber, kSubscriber, *t, "gsm7");
    }
    s.esme(S::concat(batch), 3);
    s.smsc(S::concat(resps), 3);
    // One UCS-2 submit_sm over three segments.
    {
        const std::uint32_t q = s.eseq();
        for (const Bytes& f : tcp.split(true, S::submit_sm(q, ucs2_message(kLongNumber, kSubscriber2, kText4)), 3))
            cap.frame(f);
        s.count(1);
        s.smsc(S::submit_sm_resp(q, s.message_id()));
        s.expect("submit_sm", kLongNumber, kSubscriber2, kText4, "ucs2");
    }
    // One submit_sm in two segments, the second written first.
    {
        const std::uint32_t q = s.eseq();
        std::vector<Bytes> parts = tcp.split(true, S::submit_sm(q, gsm7_message(kLongNumber, kSubscriber, kText5)), 2);
        cap.frame(parts[1]);
        cap.frame(parts[0]);
        s.count(1);
        s.smsc(S::submit_sm_resp(q, s.message_id()));
        s.expect("submit_sm", kLongNumber, kSubscriber, kText5, "gsm7");
    }
    // Two submit_sm cut 10 bytes into the second: segment 1 = PDU A + head of B, segment 2 = rest of B.
    {
        const std::uint32_t qa = s.eseq(), qb = s.eseq();
        const Bytes a = S::submit_sm(qa, gsm7_message(kLongNumber, kSubscriber2, kText6));
        const Bytes b = S::submit_sm(qb, gsm7_message(kLongNumber, kSubscriber2, kText7));
        Bytes both = S::concat({a, b});
        const auto cut = static_cast<std::ptrdiff_t>(a.size() + 10);
        tcp.send(true, Bytes(both.begin(), both.begin() + cut));
        tcp.send(true, Bytes(both.begin() + cut, both.end()));
        s.count(2);
        s.smsc(S::concat({S::submit_sm_resp(qa, s.message_id()), S::submit_sm_resp(qb, s.message_id())}), 2);
        s.expect("submit_sm", kLongNumber, kSubscriber2, kText6, "gsm7");
        s.expect("submit_sm", kLongNumber, kSubscriber2, kText7, "gsm7");
    }
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP TCP framing, bind_transmitter: 3 submit_sm in one segment and their 3 resps in one; a UCS-2 "
                     "submit_sm over 3 segments; a submit_sm in 2 segments written second-first; 2 submit_sm split 10 "
                     "bytes into the second PDU. 7 single-part SMS");
}

CaseInfo smpp_multipart_udh(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40003, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    const auto gsm = udh_parts(kLongNumber, kSubscriber, kLongGsmText, false, 0x5A, false);
    require_parts(gsm, 3, "smpp-multipart-udh GSM");
    const auto ucs = udh_parts(kBrand, kSubscriber2, kLongVietText, true, 0x1234, true);
    require_parts(ucs, 2, "smpp-multipart-udh UCS-2");
    s.submit(gsm[1]);
    s.submit(ucs[1]);
    s.submit(gsm[0]);
    s.submit(ucs[0]);
    s.submit(gsm[2]);
    s.expect("submit_sm", kLongNumber, kSubscriber, kLongGsmText, "gsm7", 3, 3);
    s.expect("submit_sm", kBrand, kSubscriber2, kLongVietText, "ucs2", 2, 2);
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP concatenation by UDH (esm_class 0x40): 3-part GSM-7 (IEI 00, 8-bit ref 0x5A, 153 septets "
                     "per part) and 2-part UCS-2 with a surrogate pair (IEI 08, 16-bit ref 0x1234) from TON 5 VCB; "
                     "parts interleaved and out of order (G2 U2 G1 U1 G3). 2 SMS (3/3 and 2/2 parts)");
}

CaseInfo smpp_multipart_sar(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40004, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transmitter);
    const auto septet_parts = sms::split_septets(sms::gsm7_septets(kLongGsmText), 153);
    if (septet_parts.size() != 3) throw std::logic_error("smpp-multipart-sar: GSM text is not 3 parts");
    std::vector<S::ShortMessage> gsm;
    for (std::size_t i = 0; i < septet_parts.size(); ++i)
        gsm.push_back({.source = kLongNumber, .destination = kSubscriber, .data_coding = S::dc::smsc_default,
                       .short_message = Bytes(septet_parts[i].begin(), septet_parts[i].end()),
                       .tlvs = S::sar(0x0042, 3, static_cast<std::uint8_t>(i + 1))});
    const auto ucs_parts = sms::split_ucs2(sms::ucs2_be(kLongVietText), 134);
    if (ucs_parts.size() != 2) throw std::logic_error("smpp-multipart-sar: UCS-2 text is not 2 parts");
    s.submit(gsm[0]);
    s.submit(gsm[2]);
    for (std::size_t i = 0; i < ucs_parts.size(); ++i)
        s.submit({.source = kShortCode, .destination = kSubscriber2, .data_coding = S::dc::ucs2,
                  .short_message = ucs_parts[i], .tlvs = S::sar(0x0043, 2, static_cast<std::uint8_t>(i + 1))});
    s.submit(gsm[1]);
    s.expect("submit_sm", kLongNumber, kSubscriber, kLongGsmText, "gsm7", 3, 3);
    s.expect("submit_sm", kShortCode, kSubscriber2, kLongVietText, "ucs2", 2, 2);
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP concatenation by SAR TLVs (0x020C/0x020E/0x020F, esm_class 0, no UDH): 3-part GSM-7 ref "
                     "0x0042 sent 1,3,2 and 2-part UCS-2 ref 0x0043 from short code 9029 sent in between. 2 SMS");
}

CaseInfo smpp_message_payload(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40005, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    const auto septets = sms::gsm7_septets(kLongGsmText);
    s.submit({.source = kLongNumber, .destination = kSubscriber, .data_coding = S::dc::smsc_default,
              .tlvs = {S::tlv_bytes(S::tag::message_payload, Bytes(septets.begin(), septets.end()))}});
    s.expect("submit_sm", kLongNumber, kSubscriber, kLongGsmText, "gsm7");
    s.submit({.source = kBrand, .destination = kSubscriber2, .data_coding = S::dc::ucs2,
              .tlvs = {S::tlv_u16(S::tag::source_port, 0), S::tlv_bytes(S::tag::message_payload, sms::ucs2_be(kLongVietText))}});
    s.expect("submit_sm", kBrand, kSubscriber2, kLongVietText, "ucs2");
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "submit_sm with sm_length 0 and the text in message_payload (TLV 0x0424): GSM-7 of " +
                         std::to_string(septets.size()) + " septets (longer than one SMS) and UCS-2 of " +
                         std::to_string(sms::utf16_units(kLongVietText)) +
                         " UTF-16 units (after a source_port TLV). 2 single-part SMS");
}

CaseInfo smpp_submit_multi(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40006, kSmsc4, 9000);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    const S::Address shop{"SHOPEE", 5, 0};
    const std::string text = "SHOPEE: Ban nhan duoc voucher 500K. Nhan tai https://shopee-voucher.example truoc 23h59.";
    S::SubmitMulti m{.message = gsm7_message(shop, {}, text),
                     .destinations = {{.address = kSubscriber}, {.address = kSubscriber2},
                                      {.distribution_list = true, .dl_name = "khach-hang-vip"}}};
    m.message.registered_delivery = 1;
    const std::uint32_t q = s.eseq();
    s.esme(S::submit_multi(q, m));
    s.smsc(S::submit_multi_resp(q, s.message_id(), {{kSubscriber2, 0x0000000B}}));
    s.expect("submit_multi", shop, kSubscriber, text, "gsm7");
    s.enquire_link(true);
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP on TCP 9000 (not 2775): submit_multi from TON 5 SHOPEE to 2 SME addresses (dest_flag 1: "
                     "84912345678, 84987654321) and 1 distribution list (dest_flag 2: khach-hang-vip); "
                     "submit_multi_resp with 1 unsuccess_sme (84987654321, 0x0B). 1 SMS, 3 destinations");
}

CaseInfo smpp_data_sm(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40007, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    const auto septets = sms::gsm7_septets(kBrandText);
    {
        const std::uint32_t q = s.eseq();
        s.esme(S::data_sm(q, {.service_type = "WAP", .source = kBrand, .destination = kSubscriber, .registered_delivery = 1,
                              .data_coding = S::dc::smsc_default,
                              .tlvs = {S::tlv_bytes(S::tag::message_payload, Bytes(septets.begin(), septets.end()))}}));
        s.smsc(S::data_sm_resp(q, s.message_id()));
        s.expect("data_sm", kBrand, kSubscriber, kBrandText, "gsm7");
    }
    {
        const std::uint32_t q = s.sseq();
        s.smsc(S::data_sm(q, {.source = kSubscriber2, .destination = kShortCode, .data_coding = S::dc::ucs2,
                              .tlvs = {S::tlv_bytes(S::tag::message_payload, sms::ucs2_be(kText4))}}));
        s.esme(S::data_sm_resp(q, ""));
        s.expect("data_sm", kSubscriber2, kShortCode, kText4, "ucs2");
    }
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "data_sm both ways with the text in message_payload: ESME->SMSC GSM-7 from TON 5 VCB, "
                     "SMSC->ESME (MO) UCS-2 to short code 9029; data_sm_resp each. 2 SMS");
}

CaseInfo smpp_incomplete(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40008, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    const auto parts = udh_parts(kLongNumber, kSubscriber, kLongGsmText, false, 0x77, false);
    require_parts(parts, 3, "smpp-incomplete");
    s.submit(parts[0]);
    s.submit(parts[2]);
    s.submit(gsm7_message(kLongNumber, kSubscriber2, kText2));
    s.expect("submit_sm", kLongNumber, kSubscriber2, kText2, "gsm7");
    // Parts 1 and 3 only: the text a decoder can give is theirs, in part order, part 2 missing.
    const auto all = sms::split_septets(sms::gsm7_septets(kLongGsmText), 153);
    s.expect("submit_sm", kLongNumber, kSubscriber, sms::gsm7_decode(all[0]) + sms::gsm7_decode(all[2]), "gsm7", 3, 2);
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "3-part UDH GSM-7 message (8-bit ref 0x77) of which part 2 is never sent, then a complete single "
                     "SMS; the capture ends. 2 SMS: one complete, one with parts total 3 received 2 complete false");
}

CaseInfo smpp_garbage(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {}, kEsme4, 40009, kSmsc4, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    s.submit(gsm7_message(kLongNumber, kSubscriber, kText1));
    s.expect("submit_sm", kLongNumber, kSubscriber, kText1, "gsm7");
    // A header claiming 0xFFFFFFFF octets, alone in its segment; the SMSC answers generic_nack
    // (ESME_RINVCMDLEN).
    const std::uint32_t bogus = s.eseq();
    tcp.send(true, {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
                    static_cast<std::uint8_t>(bogus >> 24), static_cast<std::uint8_t>(bogus >> 16),
                    static_cast<std::uint8_t>(bogus >> 8), static_cast<std::uint8_t>(bogus)});
    s.smsc(S::generic_nack(bogus, 0x00000002));
    s.submit(gsm7_message(kLongNumber, kSubscriber, kText3));
    s.expect("submit_sm", kLongNumber, kSubscriber, kText3, "gsm7");
    // command_length 3 (shorter than a header) directly followed by a valid submit_sm in one segment.
    {
        const std::uint32_t q = s.eseq();
        Bytes seg{0x00, 0x00, 0x00, 0x03};
        const Bytes p = S::submit_sm(q, ucs2_message(kLongNumber, kSubscriber2, kVietText));
        seg.insert(seg.end(), p.begin(), p.end());
        s.esme(seg);
        s.smsc(S::concat({S::generic_nack(0, 0x00000002), S::submit_sm_resp(q, s.message_id())}), 2);
        s.expect("submit_sm", kLongNumber, kSubscriber2, kVietText, "ucs2");
    }
    s.submit(gsm7_message(kLongNumber, kSubscriber, kText5));
    s.expect("submit_sm", kLongNumber, kSubscriber, kText5, "gsm7");
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s,
                     "SMPP resync: valid PDUs around a 16-byte header with command_length 0xFFFFFFFF (own segment, "
                     "answered by generic_nack 0x02) and 4 bytes with command_length 3 directly before a valid UCS-2 "
                     "submit_sm in the same segment (generic_nack seq 0 + resp in one segment). Bogus headers are not "
                     "PDUs. 4 SMS");
}

CaseInfo smpp_ipv6(const CaseCtx& ctx) {
    Capture cap(ctx.path());
    Tcp tcp(cap, {.ipv6 = true}, kEsme6, 40010, kSmsc6, kSmppPort);
    Smpp s(tcp, ctx);
    tcp.open();
    s.bind(S::cmd::bind_transceiver);
    s.submit(gsm7_message(kBrand, kSubscriber, kBrandText));
    s.expect("submit_sm", kBrand, kSubscriber, kBrandText, "gsm7");
    s.submit(ucs2_message(kLongNumber, kSubscriber2, kVietText));
    s.expect("submit_sm", kLongNumber, kSubscriber2, kVietText, "ucs2");
    const std::string mo = "Toi da chuyen tien roi";
    s.deliver(gsm7_message(kSubscriber2, kShortCode, mo));
    s.expect("deliver_sm", kSubscriber2, kShortCode, mo, "gsm7");
    s.unbind();
    tcp.close();
    return smpp_info(ctx, s, "SMPP over IPv6 TCP 2775: bind_transceiver, GSM-7 submit_sm from VCB, UCS-2 submit_sm, "
                             "deliver_sm MO, unbind. 3 SMS");
}

// ---- SIP MESSAGE cases ----------------------------------------------------------------------

constexpr std::string_view kSmscDigits = "84980200030";
const std::string kUeNumber = "+84987111222";
const std::string kPeerNumber = "+84912345678";

struct SipLeg {
    Net net;
    Host ue, core;
    bool tcp = false;
};

std::string host_literal(const std::string& ip) { return ip.find(':') != std::string::npos ? "[" + ip + "]" : ip; }

SipMessageSpec base_message(const CaseCtx& ctx, const SipLeg& leg, bool from_ue, int n) {
    SipMessageSpec m;
    const Host& src = from_ue ? leg.ue : leg.core;
    const Host& dst = from_ue ? leg.core : leg.ue;
    m.src_host = src.ip;
    m.dst_host = dst.ip;
    m.tcp = leg.tcp;
    m.src_port = from_ue || !leg.tcp ? 5060 : 41500;
    m.call_id = "pcapgen-" + ctx.name + "-" + std::to_string(n) + "@" + host_literal(src.ip);
    return m;
}

class SipCase {
public:
    SipCase(const CaseCtx& ctx, SipLeg leg) : ctx_(ctx), leg_(std::move(leg)), cap_(ctx.path()) {
        if (leg_.tcp) {
            tcp_ = std::make_unique<Tcp>(cap_, leg_.net, leg_.core, 41500, leg_.ue, 5060);
            tcp_->open();
        }
    }
    ~SipCase() = default;
    SipCase(const SipCase&) = delete;
    SipCase& operator=(const SipCase&) = delete;

    void send(bool from_ue, const std::string& text) {
        ++messages_;
        if (tcp_) {  // the core opened the connection: it is the TCP client
            tcp_->send(!from_ue, Bytes(text.begin(), text.end()));
            return;
        }
        const Host& src = from_ue ? leg_.ue : leg_.core;
        const Host& dst = from_ue ? leg_.core : leg_.ue;
        PacketBuilder b = ip_layers(leg_.net, src, dst, ip_id_++);
        b.udp(5060, 5060).payload(text);
        cap_.frame(b.build());
    }
    void exchange(bool from_ue, const SipMessageSpec& m, std::string_view code_reason) {
        send(from_ue, render_sip_message(m));
        send(!from_ue, render_sip_message_response(m, code_reason));
    }
    void expect(std::string sender, int ton, std::string recipient, std::string text, std::string encoding,
                int total = 1) {
        ctx_.expected->push_back({ctx_.name, "sip", "MESSAGE", std::move(sender), ton, std::move(recipient),
                                  std::move(text), std::move(encoding), total, total});
        ++sms_;
    }
    CaseInfo finish(std::string description) {
        if (tcp_) tcp_->close();
        CaseInfo i{ctx_.name, ctx_.name + ".pcap", linktype::ethernet, messages_, 0, {}, std::move(description)};
        i.sms = sms_;
        return i;
    }

private:
    const CaseCtx& ctx_;
    SipLeg leg_;
    Capture cap_;
    std::unique_ptr<Tcp> tcp_;
    std::uint16_t ip_id_ = 0x5100;
    std::size_t messages_ = 0, sms_ = 0;
};

const std::string kPlainText =
    "Chúc mừng! Số điện thoại của bạn trúng 500 triệu đồng 🎉 Gọi ngay 0987654321 để nhận thưởng.";

std::string as_string(const Bytes& b) { return {b.begin(), b.end()}; }

SipMessageSpec text_plain_message(const CaseCtx& ctx, const SipLeg& leg) {
    SipMessageSpec m = base_message(ctx, leg, true, 1);
    m.from_user = kUeNumber;
    m.to_user = kPeerNumber;
    m.request_uri = "sip:" + kPeerNumber + "@" + m.domain;
    m.content_type = "text/plain;charset=UTF-8";
    m.body = kPlainText;
    return m;
}

CaseInfo sipmsg_text_plain(const CaseCtx& ctx, Net net, std::string description) {
    const SipLeg leg{net, net.ipv6 ? kUe6 : kUe4, net.ipv6 ? kCscf6 : kCscf4, false};
    SipCase c(ctx, leg);
    c.exchange(true, text_plain_message(ctx, leg), "200 OK");
    c.expect(kUeNumber, -1, kPeerNumber, kPlainText, "utf8");
    return c.finish(std::move(description));
}

// MO SMS over IMS (TS 24.341): the UE sends RP-DATA to the SC's PSI; the network answers 202 and
// later sends RP-ACK in its own MESSAGE.
SipMessageSpec mo_message(const CaseCtx& ctx, const SipLeg& leg, int n, const Bytes& rp) {
    SipMessageSpec m = base_message(ctx, leg, true, n);
    m.from_user = kUeNumber;
    m.to_user = "+" + std::string(kSmscDigits);
    m.request_uri = "sip:+" + std::string(kSmscDigits) + "@" + m.domain;
    m.content_type = "application/vnd.3gpp.sms";
    m.body = as_string(rp);
    m.extra_headers = "P-Asserted-Identity: <sip:" + kUeNumber + "@" + m.domain + ">\r\n"
                      "Request-Disposition: no-fork\r\nAccept-Contact: *;+g.3gpp.smsip\r\n";
    m.cseq = n;
    return m;
}

SipMessageSpec mt_message(const CaseCtx& ctx, const SipLeg& leg, int n, const Bytes& rp) {
    SipMessageSpec m = base_message(ctx, leg, false, n);
    m.from_user = "+" + std::string(kSmscDigits);
    m.to_user = kUeNumber;
    m.request_uri = "sip:" + kUeNumber + "@" + host_literal(leg.ue.ip) + ":5060";
    m.content_type = "application/vnd.3gpp.sms";
    m.body = as_string(rp);
    m.extra_headers = "P-Asserted-Identity: <sip:+" + std::string(kSmscDigits) + "@" + m.domain + ">\r\n";
    m.cseq = n;
    return m;
}

const std::string kSubmitText =
    "Ban co 1 buu kien chua nhan. Xac nhan dia chi tai http://vnpost-giao-hang.example/x9 de tranh hoan tra.";

CaseInfo sipmsg_3gpp_submit(const CaseCtx& ctx) {
    const SipLeg leg{{}, kUe4, kCscf4, false};
    SipCase c(ctx, leg);
    const Bytes tpdu = sms::sms_submit({.message_reference = 0x2B, .destination = {"84912345678", 1, 1},
                                        .user_data = {.dcs = 0x00, .septets = sms::gsm7_septets(kSubmitText)}});
    c.exchange(true, mo_message(ctx, leg, 1, sms::rp_data_ms_to_network(0x11, kSmscDigits, tpdu)), "202 Accepted");
    c.exchange(false, mt_message(ctx, leg, 2, sms::rp_ack(0x11, false)), "200 OK");
    c.expect(kUeNumber, -1, "84912345678", kSubmitText, "gsm7");
    return c.finish("SIP MESSAGE application/vnd.3gpp.sms over UDP: RP-DATA MS->network (RP-MR 0x11, RP-DA SC "
                    "84980200030) with SMS-SUBMIT (TP-MR 0x2B, TP-DA international 84912345678, TP-DCS 0x00 packed "
                    "7-bit, TP-VP relative); 202 Accepted; network MESSAGE with RP-ACK (no SMS) and 200 OK. "
                    "4 SIP messages, 1 SMS");
}

CaseInfo sipmsg_3gpp_deliver_tcp(const CaseCtx& ctx) {
    const SipLeg leg{{}, kUe4, kCscf4, true};
    SipCase c(ctx, leg);
    const Bytes tpdu = sms::sms_deliver({.originator = {"Vietcombank", 5, 0},
                                         .user_data = {.dcs = 0x08, .octets = sms::ucs2_be(kVietText)}});
    c.exchange(false, mt_message(ctx, leg, 1, sms::rp_data_network_to_ms(0x05, kSmscDigits, tpdu)), "200 OK");
    c.exchange(true, mo_message(ctx, leg, 2, sms::rp_ack(0x05, true)), "202 Accepted");
    c.expect("Vietcombank", 5, kUeNumber, kVietText, "ucs2");
    return c.finish("SIP MESSAGE over TCP (network opened the connection): RP-DATA network->MS (RP-OA SC "
                    "84980200030) with SMS-DELIVER, alphanumeric TP-OA 'Vietcombank' (TON 5, packed 7-bit), TP-DCS "
                    "0x08 UCS-2 Vietnamese; 200 OK; the UE's RP-ACK in a MESSAGE (no SMS) and 202. 4 SIP messages, "
                    "1 SMS");
}

const std::string kTwoPartText =
    "Canh bao: Tai khoan Zalo cua ban dang dang nhap tren thiet bi la tai Campuchia. Neu khong phai ban, "
    "hay xac minh ngay tai http://zalo-baomat.example/verify va nhap ma OTP gui ve may de giu tai khoan. "
    "Sau 30 phut tai khoan se bi khoa vinh vien.";

CaseInfo sipmsg_3gpp_multipart(const CaseCtx& ctx) {
    const SipLeg leg{{}, kUe4, kCscf4, false};
    SipCase c(ctx, leg);
    const auto parts = sms::split_septets(sms::gsm7_septets(kTwoPartText), 153);
    if (parts.size() != 2) throw std::logic_error("sipmsg-3gpp-multipart: text is not 2 parts");
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const Bytes tpdu = sms::sms_submit(
            {.message_reference = static_cast<std::uint8_t>(0x40 + i), .destination = {"84912345678", 1, 1},
             .user_data = {.dcs = 0x00, .udh = sms::udh_concat(0x3C, false, 2, static_cast<std::uint8_t>(i + 1)),
                           .septets = parts[i]}});
        c.exchange(true, mo_message(ctx, leg, static_cast<int>(i + 1),
                                    sms::rp_data_ms_to_network(static_cast<std::uint8_t>(0x21 + i), kSmscDigits, tpdu)),
                   "202 Accepted");
    }
    c.expect(kUeNumber, -1, "84912345678", kTwoPartText, "gsm7", 2);
    return c.finish("two SIP MESSAGEs (UDP) each with RP-DATA + SMS-SUBMIT carrying one part of a 2-part GSM-7 "
                    "message: UDH IEI 00 ref 0x3C, 1 fill bit, 153 + " + std::to_string(parts[1].size()) +
                    " septets; each answered 202. 4 SIP messages, 1 SMS (2/2 parts)");
}

CaseInfo sipmsg_ipv6(const CaseCtx& ctx) {
    const SipLeg leg{{.ipv6 = true}, kUe6, kCscf6, false};
    SipCase c(ctx, leg);
    const Bytes tpdu = sms::sms_deliver({.originator = {"84987654321", 1, 1},
                                         .user_data = {.dcs = 0x00, .septets = sms::gsm7_septets(kText5)}});
    c.exchange(false, mt_message(ctx, leg, 1, sms::rp_data_network_to_ms(0x09, kSmscDigits, tpdu)), "200 OK");
    c.expect("84987654321", 1, kUeNumber, kText5, "gsm7");
    return c.finish("SIP MESSAGE over IPv6 UDP: RP-DATA network->MS with SMS-DELIVER, TP-OA international "
                    "84987654321, packed GSM-7; 200 OK. 2 SIP messages, 1 SMS");
}

using SmsCaseFn = std::function<CaseInfo(const CaseCtx&)>;

std::vector<std::pair<std::string, SmsCaseFn>> sms_cases() {
    return {
        {"smpp-basic", smpp_basic},
        {"smpp-segmented", smpp_segmented},
        {"smpp-multipart-udh", smpp_multipart_udh},
        {"smpp-multipart-sar", smpp_multipart_sar},
        {"smpp-message-payload", smpp_message_payload},
        {"smpp-submit-multi", smpp_submit_multi},
        {"smpp-data-sm", smpp_data_sm},
        {"smpp-incomplete", smpp_incomplete},
        {"smpp-garbage", smpp_garbage},
        {"smpp-ipv6", smpp_ipv6},
        {"sipmsg-text-plain-udp", [](const CaseCtx& x) { return sipmsg_text_plain(x, {},
            "SIP MESSAGE text/plain;charset=UTF-8 over UDP (Vietnamese UTF-8 with an emoji) from +84987111222 to "
            "+84912345678; 200 OK. 2 SIP messages, 1 SMS"); }},
        {"sipmsg-3gpp-submit-udp", sipmsg_3gpp_submit},
        {"sipmsg-3gpp-deliver-tcp", sipmsg_3gpp_deliver_tcp},
        {"sipmsg-3gpp-multipart", sipmsg_3gpp_multipart},
        {"sipmsg-vlan", [](const CaseCtx& x) { return sipmsg_text_plain(x, {.vlan = true},
            "SIP MESSAGE text/plain over 802.1Q VLAN 214, IPv4 UDP; 200 OK. 2 SIP messages, 1 SMS"); }},
        {"sipmsg-ipv6", sipmsg_ipv6},
    };
}

void json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (c < 0x20) {
                    static constexpr char k[] = "0123456789abcdef";
                    out.append("\\u00").append({k[c >> 4], k[c & 0xF]});
                } else {
                    out.push_back(ch);
                }
        }
    }
    out.push_back('"');
}

std::string token_of(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (char ch : s) h = (h ^ static_cast<std::uint8_t>(ch)) * 16777619u;
    return hex({static_cast<std::uint8_t>(h >> 24), static_cast<std::uint8_t>(h >> 16),
                static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h)});
}

std::string via_of(const SipMessageSpec& m) {
    return "SIP/2.0/" + std::string(m.tcp ? "TCP " : "UDP ") + host_literal(m.src_host) + ":" +
           std::to_string(m.src_port) + ";branch=z9hG4bK" + token_of(m.call_id) + std::to_string(m.cseq) + ";rport";
}

}  // namespace

std::string render_sip_message(const SipMessageSpec& m) {
    std::string s;
    s.reserve(700 + m.body.size());
    s.append("MESSAGE ").append(m.request_uri).append(" SIP/2.0\r\n");
    s.append("Via: ").append(via_of(m)).append("\r\n");
    s.append("Max-Forwards: 70\r\n");
    s.append("From: <sip:").append(m.from_user).append("@").append(m.domain).append(">;tag=f").append(token_of(m.call_id)).append("\r\n");
    s.append("To: <sip:").append(m.to_user).append("@").append(m.domain).append(">\r\n");
    s.append("Call-ID: ").append(m.call_id).append("\r\n");
    s.append("CSeq: ").append(std::to_string(m.cseq)).append(" MESSAGE\r\n");
    s.append(m.extra_headers);
    s.append("User-Agent: pcapgen-ims/1.0\r\n");
    s.append("Content-Type: ").append(m.content_type).append("\r\n");
    s.append("Content-Length: ").append(std::to_string(m.body.size())).append("\r\n\r\n");
    s.append(m.body);
    return s;
}

std::string render_sip_message_response(const SipMessageSpec& m, std::string_view code_reason) {
    std::string s;
    s.append("SIP/2.0 ").append(code_reason).append("\r\n");
    s.append("Via: ").append(via_of(m)).append("\r\n");
    s.append("From: <sip:").append(m.from_user).append("@").append(m.domain).append(">;tag=f").append(token_of(m.call_id)).append("\r\n");
    s.append("To: <sip:").append(m.to_user).append("@").append(m.domain).append(">;tag=t").append(token_of(m.call_id)).append("\r\n");
    s.append("Call-ID: ").append(m.call_id).append("\r\n");
    s.append("CSeq: ").append(std::to_string(m.cseq)).append(" MESSAGE\r\n");
    s.append("Server: pcapgen-ims/1.0\r\n");
    s.append("Content-Length: 0\r\n\r\n");
    return s;
}

std::string expected_sms_json(const ExpectedSms& e) {
    std::string s = "{\"case\":";
    json_string(s, e.case_name);
    s.append(",\"protocol\":");
    json_string(s, e.protocol);
    s.append(",\"command\":");
    json_string(s, e.command);
    s.append(",\"sender\":");
    json_string(s, e.sender);
    s.append(",\"sender_ton\":").append(e.sender_ton < 0 ? "null" : std::to_string(e.sender_ton));
    s.append(",\"recipient\":");
    json_string(s, e.recipient);
    s.append(",\"text\":");
    json_string(s, e.text);
    s.append(",\"encoding\":");
    json_string(s, e.encoding);
    s.append(",\"parts\":{\"total\":").append(std::to_string(e.parts_total));
    s.append(",\"received\":").append(std::to_string(e.parts_received));
    s.append(",\"complete\":").append(e.parts_total == e.parts_received ? "true" : "false").append("}}");
    return s;
}

std::vector<CaseInfo> write_sms_cases(const std::string& outdir, std::vector<ExpectedSms>& expected) {
    std::vector<CaseInfo> out;
    for (const auto& [name, fn] : sms_cases()) out.push_back(fn(CaseCtx{outdir, name, &expected}));
    return out;
}

}  // namespace scamgate::pcapgen
