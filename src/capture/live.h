#pragma once
// Live capture from a network interface through libpcap. One LiveCapture per interface and worker;
// the caller polls their selectable fds and reads with next(), which never blocks, so a stop flag
// is honoured promptly. inject() sends a frame out of the interface (bridge mode forwards with it;
// passive mode's active replies use it). open_fanout() opens one capture of an interface per
// worker, each getting a share of its frames (AF_PACKET fanout).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "capture/pcap_file.h"  // CaptureError

struct pcap;  // libpcap's handle type, kept out of this header

namespace scamgate::capture {

struct LiveOptions {
    std::string interface{};
    int snaplen = 65535;                    // bytes kept of each frame
    int buffer_bytes = 32 * 1024 * 1024;    // kernel ring buffer
    bool promiscuous = false;               // a mirror/TAP port delivers everything anyway
    int timeout_ms = 100;                   // read timeout (immediate mode is on, so rarely reached)
    std::string filter{};                   // BPF expression; empty: every frame
    bool incoming_only = false;             // only frames received, not those sent (bridge mode)
    // Set by open_fanout(): this capture creates the interface's fanout group, or joins it.
    enum class Fanout : std::uint8_t { none, create, join };
    Fanout fanout = Fanout::none;
    std::uint16_t fanout_group = 0;  // the group to join (Fanout::join)
};

// libpcap's counters for one interface since it was opened.
struct LiveStats {
    std::uint64_t received = 0;         // ps_recv: frames that passed the filter
    std::uint64_t kernel_drops = 0;     // ps_drop: dropped because the buffer was full
    std::uint64_t interface_drops = 0;  // ps_ifdrop: dropped by the interface or its driver
};

class LiveCapture {
public:
    // Opens and activates the interface, then installs the filter. Throws CaptureError naming the
    // interface and what to do (missing interface, CAP_NET_RAW needed, interface down, bad filter).
    explicit LiveCapture(const LiveOptions& options);
    ~LiveCapture();
    LiveCapture(LiveCapture&&) noexcept;
    LiveCapture& operator=(LiveCapture&&) noexcept;
    LiveCapture(const LiveCapture&) = delete;
    LiveCapture& operator=(const LiveCapture&) = delete;

    // Replaces the filter (compiled for this interface's link type). Throws CaptureError naming
    // the filter when it does not compile or cannot be installed.
    void set_filter(const std::string& filter);

    const std::string& interface() const { return options_.interface; }
    const std::string& filter() const { return options_.filter; }
    int linktype() const { return linktype_; }
    std::string linktype_name() const;
    bool nanosecond_timestamps() const { return nanos_; }
    // Non-fatal notes from activation (promiscuous mode not supported, ...), for the log.
    const std::vector<std::string>& warnings() const { return warnings_; }

    // A file descriptor that poll() reports readable when packets may be waiting; -1 if none.
    int selectable_fd() const;

    // The next waiting packet, or nullopt when none is waiting now or reading failed (see
    // error()). Never blocks. The data stays valid until the next call.
    std::optional<Packet> next();
    // Non-empty once reading has failed (e.g. the interface went away); the capture is unusable.
    const std::string& error() const { return error_; }

    // Sends `frame` (a whole link-layer frame) out of the interface. Returns why it failed, or ""
    // when it was sent.
    std::string inject(ByteView frame);

    LiveStats stats() const;
    std::uint64_t packets() const { return count_; }  // packets handed out by next()
    // The AF_PACKET fanout group this capture belongs to (open_fanout), or nullopt.
    std::optional<std::uint16_t> fanout_group() const { return fanout_group_; }

private:
    struct PcapCloser {
        void operator()(::pcap* handle) const;
    };
    void configure();
    void activate();
    void enter_fanout();
    void discard_waiting();
    std::string describe(const std::string& what) const;

    LiveOptions options_;
    std::unique_ptr<::pcap, PcapCloser> handle_;
    int linktype_ = 0;
    bool nanos_ = false;
    std::uint64_t count_ = 0;
    std::optional<std::uint16_t> fanout_group_;
    std::string error_;
    std::vector<std::string> warnings_;
};

// `members` captures of one interface (members >= 1; one is a plain capture, as before workers)
// in one AF_PACKET fanout group (Linux >= 4.3), each with `options`: the kernel hands every frame
// to exactly one member, chosen by a classic BPF program (PACKET_FANOUT_CBPF) from the frame's
// outermost IP address pair, the same in either direction, and nothing else: the key the replay
// workers shard by (net/shard.h), so a member sees both directions of every flow between two
// hosts, every IP fragment of a datagram (no reassembly before the choice), and every TCP
// connection and UDP port pair of a dialog between them. The pair is read after one VLAN tag left
// in the frame (the kernel takes the outer tag off first) and after a PPPoE session header; a
// frame without one of those IP headers (ARP, LLDP, a deeper encapsulation) goes to member 0.
// The group's id is chosen by the kernel (PACKET_FANOUT_FLAG_UNIQUEID), so two processes, or two
// interfaces, never share a group. Frames a joining member received before it joined (each
// member sees everything until then) are discarded, so no frame reaches two members. Throws
// CaptureError naming the interface.
std::vector<LiveCapture> open_fanout(const LiveOptions& options, std::size_t members);

// The member (0..members-1) open_fanout's program picks for an IPv4 address pair given in host
// order (203.0.113.2 is 0xCB007102): the same arithmetic, for tests and for choosing addresses.
std::size_t fanout_member_v4(std::uint32_t src, std::uint32_t dst, std::size_t members);

// The ports the default capture filter lets through.
struct FilterPorts {
    std::vector<std::uint16_t> sip;   // UDP and TCP
    std::vector<std::uint16_t> smpp;  // TCP
    bool sip_any_port = false;        // SIP is also looked for on other ports: no port filter at all
};

// The default BPF filter: the SIP ports (UDP, TCP and SCTP) and SMPP ports, every IPv4 fragment and
// every IPv6 packet whose first header is a fragment header (so fragmented SIP is not lost), every
// PPPoE session frame (ethertype 0x8864: its ports cannot be filtered, see live.cpp), the same
// inside one or two VLAN tags. With sip_any_port: "ip or ip6 or ether proto 0x8864 or vlan" (no
// port filter, so SIP on other ports stays). The VLAN part is left out on link types where libpcap
// has no `vlan` (Linux cooked: "any"), the PPPoE part where it has no `ether proto`.
std::string default_filter(const FilterPorts& ports, int linktype = 1);

// Why `filter` does not compile for `linktype` (DLT_EN10MB = 1 by default), or nullopt when it does.
std::optional<std::string> filter_error(const std::string& filter, int linktype = 1, int snaplen = 65535);

}  // namespace scamgate::capture
