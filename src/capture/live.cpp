#include "capture/live.h"

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace scamgate::capture {

namespace {

// A compiled BPF program, freed on every path.
struct BpfProgram {
    bpf_program program{};
    bool compiled = false;
    BpfProgram() = default;
    BpfProgram(const BpfProgram&) = delete;
    BpfProgram& operator=(const BpfProgram&) = delete;
    ~BpfProgram() {
        if (compiled) pcap_freecode(&program);
    }
    // pcap_compile; on failure the handle's error text is returned.
    std::optional<std::string> compile(pcap_t* handle, const std::string& filter) {
        if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) return pcap_geterr(handle);
        compiled = true;
        return std::nullopt;
    }
};

constexpr const char* kCapabilityHint =
    "capturing needs CAP_NET_RAW: run as root, or `setcap cap_net_raw,cap_net_admin+eip` on the binary, or "
    "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in the systemd unit (docs/operations.md)";

// The message for a failed pcap_activate, saying what to do where we know.
std::string activate_error(int rc, const std::string& interface, const std::string& detail) {
    switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return fmt::format("no such interface '{}' ({}); `ip link` lists the interfaces", interface, detail);
        case PCAP_ERROR_PERM_DENIED:
            return fmt::format("permission denied on '{}' ({}); {}", interface, detail, kCapabilityHint);
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return fmt::format("promiscuous mode refused on '{}' ({}); it needs CAP_NET_ADMIN, or set "
                               "capture.promiscuous: false (a mirror port needs no promiscuous mode)",
                               interface, detail);
        case PCAP_ERROR_IFACE_NOT_UP:
            return fmt::format("interface '{}' is down; bring it up with `ip link set {} up`", interface, interface);
        default:
            return fmt::format("cannot capture on '{}': {} ({})", interface, pcap_statustostr(rc), detail);
    }
}

void require_ok(int rc, const std::string& what, const std::string& interface) {
    if (rc != 0) throw CaptureError(fmt::format("cannot capture on '{}': {}: {}", interface, what, pcap_statustostr(rc)));
}

std::string port_terms(const FilterPorts& ports) {
    std::string terms;
    const auto add = [&terms](const std::string& term) { terms += (terms.empty() ? "" : " or ") + term; };
    for (auto port : ports.sip) add(fmt::format("udp port {0} or tcp port {0} or sctp port {0}", port));
    for (auto port : ports.smpp) add(fmt::format("tcp port {}", port));
    return terms;
}

}  // namespace

void LiveCapture::PcapCloser::operator()(::pcap* handle) const { pcap_close(handle); }

LiveCapture::LiveCapture(const LiveOptions& options) : options_(options) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_.reset(pcap_create(options_.interface.c_str(), errbuf));
    if (!handle_) throw CaptureError(fmt::format("cannot capture on '{}': {}", options_.interface, errbuf));
    configure();
    activate();
    // At once: until it joins, a member sees every frame of the interface.
    if (options_.fanout != LiveOptions::Fanout::none) enter_fanout();
    linktype_ = pcap_datalink(handle_.get());
    nanos_ = pcap_get_tstamp_precision(handle_.get()) == PCAP_TSTAMP_PRECISION_NANO;
    if (pcap_setnonblock(handle_.get(), 1, errbuf) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}': non-blocking mode: {}", options_.interface, errbuf));
    }
    if (options_.incoming_only && pcap_setdirection(handle_.get(), PCAP_D_IN) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}': incoming-only direction: {}", options_.interface,
                                       pcap_geterr(handle_.get())));
    }
    if (!options_.filter.empty()) set_filter(options_.filter);
    if (options_.fanout == LiveOptions::Fanout::join) discard_waiting();
}

LiveCapture::~LiveCapture() = default;
LiveCapture::LiveCapture(LiveCapture&&) noexcept = default;
LiveCapture& LiveCapture::operator=(LiveCapture&&) noexcept = default;

// Settings that must precede pcap_activate.
void LiveCapture::configure() {
    pcap_t* h = handle_.get();
    const auto& name = options_.interface;
    require_ok(pcap_set_snaplen(h, options_.snaplen), "snaplen", name);
    require_ok(pcap_set_buffer_size(h, options_.buffer_bytes), "buffer size", name);
    require_ok(pcap_set_promisc(h, options_.promiscuous ? 1 : 0), "promiscuous mode", name);
    require_ok(pcap_set_timeout(h, options_.timeout_ms), "timeout", name);
    require_ok(pcap_set_immediate_mode(h, 1), "immediate mode", name);
    // Nanoseconds where the platform has them; otherwise microseconds (converted in next()).
    if (pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO) != 0) {
        warnings_.push_back(fmt::format("{}: nanosecond timestamps not supported; using microseconds", name));
    }
}

void LiveCapture::activate() {
    const int rc = pcap_activate(handle_.get());
    if (rc < 0) throw CaptureError(activate_error(rc, options_.interface, pcap_geterr(handle_.get())));
    if (rc > 0) warnings_.push_back(describe(fmt::format("{} ({})", pcap_statustostr(rc), pcap_geterr(handle_.get()))));
}

void LiveCapture::set_filter(const std::string& filter) {
    BpfProgram bpf;
    if (auto err = bpf.compile(handle_.get(), filter)) {
        throw CaptureError(fmt::format("cannot capture on '{}': bad filter '{}': {}", options_.interface, filter, *err));
    }
    if (pcap_setfilter(handle_.get(), &bpf.program) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}': filter '{}' not installed: {}", options_.interface,
                                       filter, pcap_geterr(handle_.get())));
    }
    options_.filter = filter;
}

namespace {

// The hash open_fanout's program computes from an address pair (each address folded to 32 bits
// first): symmetric, since xor and sum are, and the two together identify the pair.
constexpr std::uint32_t kFanoutMix1 = 0x9E3779B1u;
constexpr std::uint32_t kFanoutMix2 = 0x85EBCA6Bu;

// A classic BPF program built with forward jumps to labels (cBPF jumps only forward).
class BpfAssembler {
public:
    using Label = std::size_t;
    Label label() {
        at_.push_back(kUnplaced);
        return at_.size() - 1;
    }
    void place(Label l) { at_[l] = code_.size(); }
    void op(std::uint16_t code, std::uint32_t k = 0) { code_.push_back(sock_filter{code, 0, 0, k}); }
    // Jumps to `target` when A == k, else goes on.
    void jump_if(std::uint32_t k, Label target) {
        fixups_.push_back({code_.size(), target, false});
        op(BPF_JMP | BPF_JEQ | BPF_K, k);
    }
    void jump(Label target) {
        fixups_.push_back({code_.size(), target, true});
        op(BPF_JMP | BPF_JA);
    }
    std::vector<sock_filter> finish() {
        for (const auto& f : fixups_) {
            const std::size_t distance = at_[f.target] - f.at - 1;
            if (f.always) {
                code_[f.at].k = static_cast<std::uint32_t>(distance);
            } else {
                if (distance > 255) throw CaptureError("fanout program: a conditional jump is too long");
                code_[f.at].jt = static_cast<std::uint8_t>(distance);
            }
        }
        return code_;
    }

private:
    static constexpr std::size_t kUnplaced = ~std::size_t{0};
    struct Fixup {
        std::size_t at;
        Label target;
        bool always;
    };
    std::vector<sock_filter> code_;
    std::vector<std::size_t> at_;
    std::vector<Fixup> fixups_;
};

constexpr std::uint32_t net_offset(std::uint32_t offset) { return static_cast<std::uint32_t>(SKF_NET_OFF) + offset; }

// A = the 32-bit word at `offset` from the network header, xor-folded over `words` words.
void fold_address(BpfAssembler& bpf, std::uint32_t offset, int words) {
    bpf.op(BPF_LD | BPF_W | BPF_ABS, net_offset(offset));
    for (int i = 1; i < words; ++i) {
        bpf.op(BPF_MISC | BPF_TAX);
        bpf.op(BPF_LD | BPF_W | BPF_ABS, net_offset(offset + 4 * static_cast<std::uint32_t>(i)));
        bpf.op(BPF_ALU | BPF_XOR | BPF_X);
    }
}

// M[0] = source, M[1] = destination (folded) of the IPv4 or IPv6 header at `ip` (from the network
// header), then on to `combine`.
void load_pair(BpfAssembler& bpf, std::uint32_t ip, bool v6, BpfAssembler::Label combine) {
    const int words = v6 ? 4 : 1;
    fold_address(bpf, ip + (v6 ? 8 : 12), words);
    bpf.op(BPF_ST, 0);
    fold_address(bpf, ip + (v6 ? 24 : 16), words);
    bpf.op(BPF_ST, 1);
    bpf.jump(combine);
}

// The program: the protocol the kernel read (after taking the outer VLAN tag off), one more VLAN
// tag or a PPPoE session header followed, the pair hashed; 0 (member 0) for anything else. A load
// past the frame's end also ends the program with 0.
std::vector<sock_filter> fanout_program() {
    constexpr std::uint32_t kIpv4 = 0x0800, kIpv6 = 0x86DD, kVlan = 0x8100, kQinQ = 0x88A8, kPppoe = 0x8864;
    constexpr std::uint32_t kPppIpv4 = 0x0021, kPppIpv6 = 0x0057;
    BpfAssembler bpf;
    const auto vlan = bpf.label(), pppoe = bpf.label(), combine = bpf.label();
    const auto v4 = bpf.label(), v6 = bpf.label(), v4_vlan = bpf.label(), v6_vlan = bpf.label();
    const auto v4_pppoe = bpf.label(), v6_pppoe = bpf.label();
    bpf.op(BPF_LD | BPF_H | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL));
    bpf.jump_if(kIpv4, v4);
    bpf.jump_if(kIpv6, v6);
    bpf.jump_if(kVlan, vlan);
    bpf.jump_if(kQinQ, vlan);
    bpf.jump_if(kPppoe, pppoe);
    bpf.op(BPF_RET | BPF_K, 0);
    bpf.place(vlan);  // the network header is at the inner tag: TCI, then its ethertype
    bpf.op(BPF_LD | BPF_H | BPF_ABS, net_offset(2));
    bpf.jump_if(kIpv4, v4_vlan);
    bpf.jump_if(kIpv6, v6_vlan);
    bpf.op(BPF_RET | BPF_K, 0);
    bpf.place(pppoe);  // version/type, code, session id, length, then the PPP protocol
    bpf.op(BPF_LD | BPF_H | BPF_ABS, net_offset(6));
    bpf.jump_if(kPppIpv4, v4_pppoe);
    bpf.jump_if(kPppIpv6, v6_pppoe);
    bpf.op(BPF_RET | BPF_K, 0);
    bpf.place(v4);
    load_pair(bpf, 0, false, combine);
    bpf.place(v6);
    load_pair(bpf, 0, true, combine);
    bpf.place(v4_vlan);
    load_pair(bpf, 4, false, combine);
    bpf.place(v6_vlan);
    load_pair(bpf, 4, true, combine);
    bpf.place(v4_pppoe);
    load_pair(bpf, 8, false, combine);
    bpf.place(v6_pppoe);
    load_pair(bpf, 8, true, combine);
    // ((s ^ d) * mix1 + (s + d)) * mix2 >> 16; the kernel takes it modulo the members.
    bpf.place(combine);
    bpf.op(BPF_LD | BPF_MEM, 0);
    bpf.op(BPF_MISC | BPF_TAX);                  // X = s
    bpf.op(BPF_LD | BPF_MEM, 1);                 // A = d
    bpf.op(BPF_ALU | BPF_XOR | BPF_X);           // A = s ^ d
    bpf.op(BPF_ALU | BPF_MUL | BPF_K, kFanoutMix1);
    bpf.op(BPF_ST, 2);
    bpf.op(BPF_LD | BPF_MEM, 1);
    bpf.op(BPF_ALU | BPF_ADD | BPF_X);           // A = s + d
    bpf.op(BPF_MISC | BPF_TAX);
    bpf.op(BPF_LD | BPF_MEM, 2);
    bpf.op(BPF_ALU | BPF_ADD | BPF_X);
    bpf.op(BPF_ALU | BPF_MUL | BPF_K, kFanoutMix2);
    bpf.op(BPF_ALU | BPF_RSH | BPF_K, 16);
    bpf.op(BPF_RET | BPF_A);
    return bpf.finish();
}

}  // namespace

// Joins (or creates) the fanout group. Creating: the kernel picks an id no other group in this
// network namespace has, and the group gets its program.
void LiveCapture::enter_fanout() {
    const int fd = pcap_fileno(handle_.get());
    const bool create = options_.fanout == LiveOptions::Fanout::create;
    const std::uint32_t type_flags = PACKET_FANOUT_CBPF | (create ? PACKET_FANOUT_FLAG_UNIQUEID : 0);
    const std::uint32_t id = create ? 0 : options_.fanout_group;
    const int arg = static_cast<int>(id | (type_flags << 16));
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}' with several workers: AF_PACKET fanout ({}): {} (needs "
                                       "Linux 4.3 or later)",
                                       options_.interface, create ? "new group" : fmt::format("group {}", id),
                                       std::strerror(errno)));
    }
    if (!create) {
        fanout_group_ = static_cast<std::uint16_t>(id);
        return;
    }
    int assigned = 0;
    socklen_t length = sizeof assigned;
    if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &assigned, &length) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}': reading the fanout group's id: {}", options_.interface,
                                       std::strerror(errno)));
    }
    fanout_group_ = static_cast<std::uint16_t>(static_cast<unsigned>(assigned) & 0xFFFFu);
    std::vector<sock_filter> program = fanout_program();
    const sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fprog, sizeof fprog) != 0) {
        throw CaptureError(fmt::format("cannot capture on '{}': the fanout program was refused: {}", options_.interface,
                                       std::strerror(errno)));
    }
}

// Drops what is waiting now: a joining member got every frame of the interface until it joined,
// each also handed to the member the group chose for it.
void LiveCapture::discard_waiting() {
    while (next()) {
    }
    count_ = 0;
}

std::vector<LiveCapture> open_fanout(const LiveOptions& options, std::size_t members) {
    std::vector<LiveCapture> captures;
    if (members <= 1) {
        captures.emplace_back(options);
        return captures;
    }
    LiveOptions first = options;
    first.fanout = LiveOptions::Fanout::create;
    captures.emplace_back(first);
    LiveOptions others = options;
    others.fanout = LiveOptions::Fanout::join;
    others.fanout_group = *captures.front().fanout_group();
    while (captures.size() < members) captures.emplace_back(others);
    return captures;
}

std::size_t fanout_member_v4(std::uint32_t src, std::uint32_t dst, std::size_t members) {
    if (members <= 1) return 0;
    const std::uint32_t key = ((src ^ dst) * kFanoutMix1 + (src + dst)) * kFanoutMix2;
    return static_cast<std::size_t>(key >> 16) % members;
}

std::string LiveCapture::describe(const std::string& what) const { return options_.interface + ": " + what; }

std::string LiveCapture::linktype_name() const {
    const char* name = pcap_datalink_val_to_name(linktype_);
    return name ? name : "unknown";
}

int LiveCapture::selectable_fd() const { return pcap_get_selectable_fd(handle_.get()); }

std::optional<Packet> LiveCapture::next() {
    if (!error_.empty()) return std::nullopt;
    struct pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_.get(), &header, &data);
    if (rc == 0) return std::nullopt;  // nothing waiting
    if (rc != 1) {
        error_ = describe(rc == PCAP_ERROR_BREAK ? "capture interrupted" : pcap_geterr(handle_.get()));
        return std::nullopt;
    }
    Packet packet;
    const Timestamp fraction = nanos_ ? header->ts.tv_usec : static_cast<Timestamp>(header->ts.tv_usec) * 1000;
    packet.ts = static_cast<Timestamp>(header->ts.tv_sec) * kNanosPerSecond + fraction;
    packet.linktype = linktype_;
    packet.data = ByteView(data, header->caplen);
    packet.wire_length = header->len;
    packet.number = ++count_;
    return packet;
}

std::string LiveCapture::inject(ByteView frame) {
    if (pcap_inject(handle_.get(), frame.data(), frame.size()) < 0) return describe(pcap_geterr(handle_.get()));
    return {};
}

LiveStats LiveCapture::stats() const {
    struct pcap_stat s {};
    if (pcap_stats(handle_.get(), &s) != 0) return {};
    return LiveStats{s.ps_recv, s.ps_drop, s.ps_ifdrop};
}

std::string default_filter(const FilterPorts& ports, int linktype) {
    const bool vlan = !filter_error("vlan", linktype).has_value();
    // PPPoE session frames are kept whole: libpcap's `pppoes` would shift the offsets of everything
    // after it in the filter (and refuses `vlan` after it), so their ports cannot be filtered here.
    constexpr const char* kPppoeSession = "ether proto 0x8864";
    const bool pppoe = !filter_error(kPppoeSession, linktype).has_value();
    if (ports.sip_any_port) {
        // `vlan` last: it shifts the offsets of whatever follows it.
        return std::string("ip or ip6") + (pppoe ? std::string(" or ") + kPppoeSession : "") + (vlan ? " or vlan" : "");
    }
    std::string base = port_terms(ports);
    // Fragments carry no ports past the first; keep them all (MF set or an offset) so reassembly
    // has every piece. IPv6: a fragment header right after the fixed header.
    base += std::string(base.empty() ? "" : " or ") + "(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)";
    if (pppoe) base += std::string(" or ") + kPppoeSession;
    if (!vlan) return base;
    // The first `vlan` shifts the offsets for what follows it, so the plain form goes first,
    // then one tag, then two (QinQ).
    return fmt::format("{0} or (vlan and ({0} or (vlan and ({0}))))", base);
}

std::optional<std::string> filter_error(const std::string& filter, int linktype, int snaplen) {
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> dead(pcap_open_dead(linktype, snaplen), pcap_close);
    if (!dead) return "cannot open a libpcap handle to compile the filter";
    BpfProgram bpf;
    return bpf.compile(dead.get(), filter);
}

}  // namespace scamgate::capture
