#include "daemon/bridge_loop.h"

#include <poll.h>

#include <chrono>
#include <optional>

#include "net/rewrite.h"

namespace scamgate::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// Sends `answer` back out of `back`, the interface `request` came in on, in a frame with the
// request's link header and its Ethernet addresses swapped, and records it with the worker.
// Returns why it could not be sent, or "".
std::string inject_answer(capture::LiveCapture& back, const capture::Packet& request, std::size_t ip_offset,
                          const enforce::InlineReply& answer, pipeline::Worker& worker) {
    const net::PacketBytes datagram = enforce::reply_datagram(answer);
    std::string error = back.inject(net::reframe(request.data, ip_offset, datagram, true, request.linktype));
    if (error.empty()) enforce::record_sent(worker, datagram, request.ts, request.number);
    return error;
}
constexpr std::size_t kBatch = 256;  // frames from one side before the other side's turn

class Bridge {
public:
    Bridge(std::vector<capture::LiveCapture>& sides, pipeline::Worker& worker, enforce::InlineGate* gate, Logger& log,
           const ReloadActivity* reloads)
        : sides_(sides), worker_(worker), gate_(gate), log_(log) {
        run_.service = ServiceTimes(reloads);
        for (const auto& side : sides_) fds_.push_back(pollfd{side.selectable_fd(), POLLIN, 0});
    }

    BridgeRun run(const std::atomic<bool>& stop, std::optional<Clock::time_point> deadline, const BridgeRoundHook& on_round) {
        while (!stop.load() && run_.failure.empty()) {
            if (deadline && Clock::now() >= *deadline) break;
            std::size_t moved = 0;
            for (std::size_t side = 0; side < 2; ++side) moved += forward_batch(side);
            if (moved == 0) wait();
            if (on_round) on_round(run_);
        }
        return std::move(run_);
    }

private:
    std::size_t forward_batch(std::size_t from) {
        std::size_t moved = 0;
        for (; moved < kBatch; ++moved) {
            auto packet = sides_[from].next();
            if (!packet) break;
            forward(from, *packet);
        }
        if (!sides_[from].error().empty()) run_.failure = sides_[from].error();
        return moved;
    }

    void forward(std::size_t from, capture::Packet& packet) {
        const auto started = Clock::now();
        packet.number = ++run_.packets;
        capture::LiveCapture& out = sides_[1 - from];
        enforce::InlineDecision decision;
        const auto ip_offset = net::ip_offset_in_frame(packet.data, packet.linktype);
        // The whole frame: the decision sees its VLAN tags (a trunk defined by `vlans:`). The gate
        // has the worker read it (a frame whose IP header cannot be located is only recorded).
        if (gate_ != nullptr) decision = gate_->on_packet(packet);
        enforce::log_decision(log_, "bridge", decision);
        bool as_decided = true;
        if (decision.verdict == enforce::PacketVerdict::drop) {
            ++run_.dropped;
        } else if (decision.rewritten) {
            ++run_.rewritten;
            as_decided = send(out, net::reframe(packet.data, *ip_offset, *decision.rewritten, false, packet.linktype), packet.data);
        } else {
            send(out, {}, packet.data);
        }
        run_.latency.record_since(started);
        // The worker's records of this frame go on once what was done is known.
        if (gate_ != nullptr) {
            gate_->settle(decision, as_decided);
        } else {
            worker_.on_packet(packet);
        }
        if (decision.reply && ip_offset) reply(sides_[from], packet, *ip_offset, *decision.reply);
        run_.service.record_since(started);
    }

    // Injects `changed` (or `original` when empty); a changed frame the interface refuses (larger
    // than its MTU) is sent unchanged rather than lost. False when `changed` was not sent.
    bool send(capture::LiveCapture& out, const net::PacketBytes& changed, ByteView original) {
        if (!changed.empty()) {
            const std::string error = out.inject(changed);
            if (error.empty()) {
                ++run_.forwarded;
                return true;
            }
            ++run_.inject_errors;
            log_.warn("bridge: a changed frame could not be sent ({}); forwarding the original", error);
        }
        const std::string error = out.inject(original);
        if (error.empty()) {
            ++run_.forwarded;
        } else {
            ++run_.inject_errors;
            if (run_.inject_errors <= 10) log_.warn("bridge: cannot forward a frame: {}", error);
        }
        return changed.empty();
    }

    void reply(capture::LiveCapture& back, const capture::Packet& request, std::size_t ip_offset, const enforce::InlineReply& answer) {
        const std::string error = inject_answer(back, request, ip_offset, answer, worker_);
        if (!error.empty()) {
            ++run_.inject_errors;
            log_.warn("bridge: cannot send the SIP response: {}", error);
            return;
        }
        ++run_.replies_sent;
    }

    void wait() {
        for (auto& fd : fds_) fd.revents = 0;
        (void)poll(fds_.data(), fds_.size(), 100);  // timeout or EINTR: the loop looks at stop again
    }

    std::vector<capture::LiveCapture>& sides_;
    pipeline::Worker& worker_;
    enforce::InlineGate* gate_;
    Logger& log_;
    std::vector<pollfd> fds_;
    BridgeRun run_;
};

}  // namespace

BridgeRun run_bridge_loop(std::vector<capture::LiveCapture>& sides, pipeline::Worker& worker, enforce::InlineGate* gate,
                          const std::atomic<bool>& stop, std::optional<std::chrono::steady_clock::time_point> deadline,
                          Logger& log, const ReloadActivity* reloads, const BridgeRoundHook& on_round) {
    if (sides.size() != 2) {
        BridgeRun run;
        run.failure = "bridge mode needs exactly two interfaces";
        return run;
    }
    return Bridge(sides, worker, gate, log, reloads).run(stop, deadline, on_round);
}

void merge_bridge_runs(BridgeRun& total, const BridgeRun& other) {
    total.packets += other.packets;
    total.forwarded += other.forwarded;
    total.dropped += other.dropped;
    total.rewritten += other.rewritten;
    total.replies_sent += other.replies_sent;
    total.inject_errors += other.inject_errors;
    total.latency.merge(other.latency);
    total.service.merge(other.service);
    if (total.failure.empty()) total.failure = other.failure;
}

void append_bridge_stats(const BridgeRun& run, StatsReport& stats) {
    stats.set("bridge.packets", run.packets);
    stats.set("bridge.forwarded", run.forwarded);
    stats.set("bridge.dropped", run.dropped);
    stats.set("bridge.rewritten", run.rewritten);
    stats.set("bridge.replies_sent", run.replies_sent);
    stats.set("bridge.inject_errors", run.inject_errors);
    enforce::append_latency_stats(run.latency, stats);
    run.service.append_stats(stats);
}

bool inject_reply(capture::LiveCapture& capture, const capture::Packet& packet, enforce::InlineGate& gate,
                  pipeline::Worker& worker, Logger& log) {
    // The gate has the worker read every packet, answered or not.
    const enforce::InlineDecision decision = gate.on_packet(packet);
    gate.settle_passive();
    const auto ip_offset = net::ip_offset_in_frame(packet.data, packet.linktype);
    if (!decision.reply || !ip_offset) return false;
    const std::string error = inject_answer(capture, packet, *ip_offset, *decision.reply, worker);
    if (!error.empty()) {
        log.warn("passive: cannot inject the SIP response for call-id {}: {}", decision.call_id, error);
        return false;
    }
    if (!decision.remembered) log.info("passive: call-id {}: {} -> answered with the rule's SIP response", decision.call_id, decision.action);
    return true;
}

}  // namespace scamgate::daemon
