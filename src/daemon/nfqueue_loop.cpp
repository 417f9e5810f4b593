#include "daemon/nfqueue_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#ifdef SCAMGATE_HAVE_NFQUEUE
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfnetlink/libnfnetlink.h>
#endif

namespace scamgate::daemon {

namespace {

Timestamp wall_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// `address`:`port` as a socket address; returns its length.
socklen_t to_sockaddr(const IpAddress& address, std::uint16_t port, sockaddr_storage& out) {
    out = {};
    if (address.is_v4()) {
        auto& in = reinterpret_cast<sockaddr_in&>(out);
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        std::memcpy(&in.sin_addr, address.bytes().data(), 4);
        return sizeof in;
    }
    auto& in6 = reinterpret_cast<sockaddr_in6&>(out);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&in6.sin6_addr, address.bytes().data(), 16);
    return sizeof in6;
}

// Sends `reply` from its source address and port, which belong to the far end (the request's
// destination), not to this host: a UDP socket with IP_TRANSPARENT (CAP_NET_ADMIN) may bind and
// send from a foreign address. Returns the error, or "" when sent.
std::string send_reply(const enforce::InlineReply& reply) {
    const bool v4 = reply.tuple.src.is_v4();
    const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fmt::format("socket: {}", std::strerror(errno));
    const int one = 1;
    std::string error;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (setsockopt(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TRANSPARENT : IPV6_TRANSPARENT, &one, sizeof one) != 0) {
        error = v4 ? "IP_TRANSPARENT" : "IPV6_TRANSPARENT";
    }
    (void)setsockopt(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof one);
    sockaddr_storage from{};
    sockaddr_storage to{};
    const socklen_t from_length = to_sockaddr(reply.tuple.src, reply.tuple.src_port, from);
    const socklen_t to_length = to_sockaddr(reply.tuple.dst, reply.tuple.dst_port, to);
    if (error.empty() && bind(fd, reinterpret_cast<sockaddr*>(&from), from_length) != 0) error = "bind";
    if (error.empty() &&
        sendto(fd, reply.payload.data(), reply.payload.size(), 0, reinterpret_cast<sockaddr*>(&to), to_length) < 0) {
        error = "sendto";
    }
    if (!error.empty()) error = fmt::format("{}: {}", error, std::strerror(errno));
    close(fd);
    return error;
}

#ifdef SCAMGATE_HAVE_NFQUEUE
struct LoopState {
    pipeline::Worker& worker;
    enforce::InlineGate* gate;
    Logger& log;
    NfqueueRun& run;
    bool warned_fragments = false;
};

// The gate's verdict for one packet (accept when there is no gate), with its reply sent.
enforce::InlineDecision decide(LoopState& state, ByteView ip, Timestamp now) {
    if (state.gate == nullptr) return {};
    enforce::InlineDecision decision = state.gate->on_packet(ip, now);
    enforce::log_decision(state.log, "nfqueue", decision);
    return decision;
}

// A fragment in the queue means the kernel does not reassemble before it: the NFQUEUE rule's
// --dport matches only first fragments, so the rest of a fragmented datagram goes around us.
void warn_fragments_once(LoopState& state) {
    if (state.warned_fragments || state.gate == nullptr || state.gate->fragments_seen() == 0) return;
    state.warned_fragments = true;
    state.log.warn("nfqueue: an IP fragment reached the queue: the kernel is not reassembling before it, so the "
                   "other fragments of a datagram may bypass scamgate; use conntrack in the rule (docs/operations.md, "
                   "nfqueue mode); counted as inline.fragments");
}

void send_and_record(LoopState& state, const enforce::InlineDecision& decision, Timestamp now) {
    if (!decision.reply) return;
    const std::string error = send_reply(*decision.reply);
    if (!error.empty()) {
        ++state.run.reply_errors;
        state.log.warn("nfqueue: cannot send the SIP response for call-id {}: {}", decision.call_id, error);
        return;
    }
    ++state.run.replies_sent;
    const net::PacketBytes datagram = enforce::reply_datagram(*decision.reply);
    enforce::record_sent(state.worker, datagram, now, state.run.packets);
}

int on_queued(nfq_q_handle* queue, nfgenmsg*, nfq_data* data, void* opaque) {
    const auto started = std::chrono::steady_clock::now();
    auto& state = *static_cast<LoopState*>(opaque);
    const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
    if (header == nullptr) return 0;
    const std::uint32_t id = ntohl(header->packet_id);
    unsigned char* payload = nullptr;
    const int length = nfq_get_payload(data, &payload);
    ++state.run.packets;
    if (length <= 0) {
        ++state.run.accepted;
        return nfq_set_verdict(queue, id, NF_ACCEPT, 0, nullptr);
    }
    const ByteView ip(payload, static_cast<std::size_t>(length));
    const Timestamp now = wall_now();
    enforce::InlineDecision decision = decide(state, ip, now);
    warn_fragments_once(state);
    int rc = 0;
    if (decision.verdict == enforce::PacketVerdict::drop) {
        ++state.run.dropped;
        rc = nfq_set_verdict(queue, id, NF_DROP, 0, nullptr);
    } else if (decision.rewritten) {
        ++state.run.accepted;
        ++state.run.rewritten;
        // libnetfilter_queue sends the payload attribute padded to 4 bytes and reads the padding
        // from our buffer: give it zeros to read.
        net::PacketBytes payload_out = std::move(*decision.rewritten);
        const auto size = static_cast<std::uint32_t>(payload_out.size());
        payload_out.resize((payload_out.size() + 3) & ~std::size_t{3}, 0);
        rc = nfq_set_verdict(queue, id, NF_ACCEPT, size, payload_out.data());
    } else {
        ++state.run.accepted;
        rc = nfq_set_verdict(queue, id, NF_ACCEPT, 0, nullptr);
    }
    state.run.latency.record_since(started);
    // The gate had the worker read the packet; its records go on once what was done is known.
    if (state.gate != nullptr) {
        state.gate->settle(decision, rc >= 0);
    } else {
        state.worker.on_packet(capture::raw_ip_packet(ip, now, state.run.packets));
    }
    send_and_record(state, decision, now);
    state.run.service.record_since(started);
    return rc;
}

// One queue's line of /proc/net/netfilter/nfnetlink_queue (this network namespace's).
struct QueueCounters {
    std::uint64_t queue_dropped = 0;
    std::uint64_t user_dropped = 0;
    std::uint64_t id_sequence = 0;  // ids handed out: every packet queued to us, seen or not
};

std::optional<QueueCounters> queue_counters(int queue) {
    std::ifstream in("/proc/net/netfilter/nfnetlink_queue");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::uint64_t number = 0, portid = 0, total = 0, mode = 0, range = 0;
        QueueCounters c;
        if (!(fields >> number >> portid >> total >> mode >> range >> c.queue_dropped >> c.user_dropped >> c.id_sequence)) continue;
        if (number == static_cast<std::uint64_t>(queue)) return c;
    }
    return std::nullopt;
}

void account_kernel_counters(int queue, const std::optional<QueueCounters>& at_start, NfqueueRun& run, Logger& log) {
    const auto at_end = queue_counters(queue);
    if (!at_start || !at_end) return;
    run.kernel_queue_dropped = at_end->queue_dropped - at_start->queue_dropped;
    run.kernel_user_dropped = at_end->user_dropped - at_start->user_dropped;
    const std::uint64_t queued = at_end->id_sequence - at_start->id_sequence;
    run.not_seen = queued > run.packets ? queued - run.packets : 0;
    if (run.not_seen > 0 || run.kernel_queue_dropped > 0 || run.kernel_user_dropped > 0) {
        log.warn("nfqueue: queue {}: {} packets queued for scamgate never reached it (the queue or socket was full: fail-open "
                 "let them through unfiltered); kernel queue drops {}, socket drops {}; raise capture.buffer_mb or "
                 "lower the load", queue, run.not_seen, run.kernel_queue_dropped, run.kernel_user_dropped);
    }
}

enum class ReadResult : std::uint8_t { handled, idle, failed };

// Waits up to `timeout_ms` for the queue's socket, reads one netlink message and hands it to
// libnetfilter_queue (which calls on_queued per packet). `idle`: nothing came, or a harmless
// error (EINTR, ENOBUFS) to retry; `failed`: errno says why.
ReadResult read_once(nfq_handle* handle, int fd, std::vector<char>& buffer, int timeout_ms) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return ReadResult::idle;
    const ssize_t got = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (got < 0) return errno == EAGAIN || errno == EINTR || errno == ENOBUFS ? ReadResult::idle : ReadResult::failed;
    nfq_handle_packet(handle, buffer.data(), static_cast<int>(got));
    return ReadResult::handled;
}

// At a stop, the packets already queued get their verdicts before the queue is unbound (an
// unbound queue's pending packets would be dropped): read until the socket stays empty for 50 ms.
void drain(nfq_handle* handle, int fd, std::vector<char>& buffer) {
    while (read_once(handle, fd, buffer, 50) == ReadResult::handled) {
    }
}
#endif

}  // namespace

bool nfqueue_available() {
#ifdef SCAMGATE_HAVE_NFQUEUE
    return true;
#else
    return false;
#endif
}

#ifdef SCAMGATE_HAVE_NFQUEUE
struct NfqueueBinding::Impl {
    Impl(const NfqueueSettings& s, pipeline::Worker& worker, enforce::InlineGate* gate, Logger& log)
        : settings(s), state{worker, gate, log, run} {
        run.service = ServiceTimes(settings.reloads);
    }
    ~Impl() {
        if (queue_handle != nullptr) nfq_destroy_queue(queue_handle);
        if (handle != nullptr) nfq_close(handle);
    }

    void bind(Logger& log) {
        const int queue = settings.queue;
        handle = nfq_open();
        if (handle == nullptr) {
            failure = fmt::format("cannot open netfilter queue handle: {} (needs CAP_NET_ADMIN)", std::strerror(errno));
            return;
        }
        queue_handle = nfq_create_queue(handle, static_cast<std::uint16_t>(queue), &on_queued, &state);
        if (queue_handle == nullptr) {
            failure = fmt::format("cannot bind NFQUEUE {}: {} (another process bound it, or no CAP_NET_ADMIN)", queue,
                                  std::strerror(errno));
            return;
        }
        if (nfq_set_mode(queue_handle, NFQNL_COPY_PACKET, 0xffff) < 0) {
            failure = fmt::format("cannot set copy-packet mode on NFQUEUE {}: {}", queue, std::strerror(errno));
            return;
        }
        // A full queue lets packets through rather than dropping them (kernel >= 3.6); a long queue
        // and a large socket buffer make that rare under bursts.
        (void)nfq_set_queue_flags(queue_handle, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
        if (nfq_set_queue_maxlen(queue_handle, settings.queue_maxlen) < 0) {
            log.warn("nfqueue: cannot set the length of queue {} to {}", queue, settings.queue_maxlen);
        }
        const unsigned int socket_buffer =
            nfnl_rcvbufsiz(nfq_nfnlh(handle), static_cast<unsigned int>(settings.socket_buffer_bytes));
        fd = nfq_fd(handle);
        at_start = queue_counters(queue);
        const int one = 1;
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
        log.info("nfqueue mode: bound queue {} (copy-packet mode, queue length {}, socket buffer {} KiB)", queue,
                 settings.queue_maxlen, socket_buffer / 1024);
    }

    NfqueueRun loop(const std::atomic<bool>& stop, const NfqueueRoundHook& on_round) {
        std::vector<char> buffer(0x10000 + 4096);
        while (!stop.load()) {
            if (settings.deadline && std::chrono::steady_clock::now() >= *settings.deadline) break;
            // Idle after 100 ms at most: look at stop and the deadline again.
            if (read_once(handle, fd, buffer, 100) == ReadResult::failed) {
                run.failure = fmt::format("reading NFQUEUE {}: {}", settings.queue, std::strerror(errno));
                break;
            }
            if (on_round) on_round(run);
        }
        if (run.failure.empty()) drain(handle, fd, buffer);
        account_kernel_counters(settings.queue, at_start, run, state.log);
        return std::move(run);
    }

    NfqueueSettings settings;
    NfqueueRun run;
    LoopState state;
    nfq_handle* handle = nullptr;
    nfq_q_handle* queue_handle = nullptr;
    int fd = -1;
    std::optional<QueueCounters> at_start;
    std::string failure;
};
#else
struct NfqueueBinding::Impl {
    Impl(const NfqueueSettings& s, pipeline::Worker&, enforce::InlineGate*, Logger&) : settings(s) {}
    void bind(Logger&) { failure = "this build has no NFQUEUE support (libnetfilter-queue-dev was not found at build time)"; }
    NfqueueRun loop(const std::atomic<bool>&, const NfqueueRoundHook&) {
        NfqueueRun run;
        run.failure = failure;
        return run;
    }
    NfqueueSettings settings;
    std::string failure;
};
#endif

NfqueueBinding::NfqueueBinding(const NfqueueSettings& settings, pipeline::Worker& worker, enforce::InlineGate* gate, Logger& log)
    : impl_(std::make_unique<Impl>(settings, worker, gate, log)) {
    impl_->bind(log);
}

NfqueueBinding::~NfqueueBinding() = default;

int NfqueueBinding::queue() const { return impl_->settings.queue; }

const std::string& NfqueueBinding::failure() const { return impl_->failure; }

NfqueueRun NfqueueBinding::run(const std::atomic<bool>& stop, const NfqueueRoundHook& on_round) {
    if (!impl_->failure.empty()) {
        NfqueueRun run;
        run.failure = impl_->failure;
        return run;
    }
    return impl_->loop(stop, on_round);
}

void merge_nfqueue_runs(NfqueueRun& total, const NfqueueRun& other) {
    total.packets += other.packets;
    total.accepted += other.accepted;
    total.dropped += other.dropped;
    total.replies_sent += other.replies_sent;
    total.reply_errors += other.reply_errors;
    total.rewritten += other.rewritten;
    total.not_seen += other.not_seen;
    total.kernel_queue_dropped += other.kernel_queue_dropped;
    total.kernel_user_dropped += other.kernel_user_dropped;
    total.latency.merge(other.latency);
    total.service.merge(other.service);
    if (total.failure.empty()) total.failure = other.failure;
}

void append_nfqueue_stats(const NfqueueRun& run, StatsReport& stats) {
    stats.set("nfqueue.packets", run.packets);
    stats.set("nfqueue.accepted", run.accepted);
    stats.set("nfqueue.dropped", run.dropped);
    stats.set("nfqueue.replies_sent", run.replies_sent);
    stats.set("nfqueue.reply_errors", run.reply_errors);
    stats.set("nfqueue.rewritten", run.rewritten);
    stats.set("nfqueue.not_seen", run.not_seen);
    stats.set("nfqueue.kernel_queue_dropped", run.kernel_queue_dropped);
    stats.set("nfqueue.kernel_user_dropped", run.kernel_user_dropped);
    enforce::append_latency_stats(run.latency, stats);
    run.service.append_stats(stats);
}

}  // namespace scamgate::daemon
