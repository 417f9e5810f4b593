#include "capture/live.h"

#include <pcap/pcap.h>

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
