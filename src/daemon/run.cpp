#include "daemon/run.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "daemon/bridge_loop.h"
#include "enforce/inline_gate.h"
#include "daemon/nfqueue_loop.h"
#include "daemon/privileges.h"
#include "capture/live.h"
#include "net/decoder.h"
#include "metrics/exposition.h"
#include "metrics/server.h"
#include "metrics/stats_board.h"
#include "output/events.h"
#include "redis/event_stream.h"
#include "pipeline/worker.h"
#include "policy/stage.h"

namespace scamgate::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it starts later)
// and waits for them on a thread of its own, which sets the caller's stop flag (SIGINT, SIGTERM)
// or its reload flag (SIGHUP, taken by the ControlServer). No signal handler, no
// global state. The destructor ends the thread, takes any signal still pending and restores the
// signal mask; create it before any other thread and keep it until the output is written.
class SignalWatcher {
public:
    SignalWatcher(std::atomic<bool>& stop, std::atomic<bool>& hup) : stop_(stop), hup_(hup) {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
        thread_ = std::thread([this] { watch(); });
    }
    ~SignalWatcher() {
        done_ = true;
        thread_.join();
        const timespec zero{};
        while (sigtimedwait(&set_, nullptr, &zero) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    int received() const { return signal_.load(); }  // the signal that asked to stop, 0 if none

private:
    void watch() {
        const timespec tick{0, 100'000'000};  // look at done_ ten times a second
        while (!done_.load()) {
            const int sig = sigtimedwait(&set_, nullptr, &tick);
            if (sig == SIGHUP) {
                hup_ = true;
            } else if (sig > 0) {
                signal_ = sig;
                stop_ = true;
            }
        }
    }

    std::atomic<bool>& stop_;
    std::atomic<bool>& hup_;
    std::atomic<bool> done_{false};
    std::atomic<int> signal_{0};
    sigset_t set_{};
    sigset_t previous_{};
    std::thread thread_;
};

// A worker's captures (one per interface) read in turn by its thread: a batch from each that has
// packets, then poll() on all of them when none had any. Packets are numbered across interfaces
// for the logs.
class CaptureLoop {
public:
    // With `replies` (active replies), each packet is also shown to the gate and the SIP response
    // of an enforced reject is injected on the interface it came from.
    CaptureLoop(std::vector<capture::LiveCapture>& captures, pipeline::Worker& worker, enforce::InlineGate* replies, Logger& log)
        : captures_(captures), worker_(worker), replies_(replies), log_(log) {
        for (const auto& c : captures_) {
            const int fd = c.selectable_fd();
            if (fd < 0) pollable_ = false;
            fds_.push_back(pollfd{fd, POLLIN, 0});
        }
    }

    // Runs until `stop` is set or `deadline` passes. Returns why reading failed, or "" for a
    // requested stop.
    std::string run(const std::atomic<bool>& stop, std::optional<Clock::time_point> deadline) {
        while (!stop.load()) {
            const auto now = Clock::now();
            if (deadline && now >= *deadline) break;
            const std::size_t read = read_round();
            if (!failure_.empty()) return failure_;
            if (read == 0) wait(deadline ? *deadline - now : Clock::duration(kIdleWait));
            if (on_round_) on_round_();
        }
        return {};
    }

    std::uint64_t packets() const { return packets_; }
    std::uint64_t replies_sent() const { return replies_sent_; }
    // Called on this loop's thread after every round (a batch read, or a wait of at most 100 ms):
    // where the worker publishes its counters for /metrics.
    void on_round(std::function<void()> hook) { on_round_ = std::move(hook); }

private:
    static constexpr std::size_t kBatch = 256;  // packets from one interface before the next one's turn
    static constexpr std::chrono::milliseconds kIdleWait{100};

    std::size_t read_round() {
        std::size_t read = 0;
        for (auto& c : captures_) {
            for (std::size_t i = 0; i < kBatch; ++i) {
                auto packet = c.next();
                if (!packet) break;
                packet->number = ++packets_;
                if (replies_ == nullptr) {
                    worker_.on_packet(*packet);
                } else if (inject_reply(c, *packet, *replies_, worker_, log_)) {
                    ++replies_sent_;  // the gate had the worker read the packet
                }
                ++read;
            }
            if (!c.error().empty()) failure_ = c.error();
        }
        return read;
    }

    void wait(Clock::duration left) {
        const auto limit = std::min<Clock::duration>(left, kIdleWait);
        const int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()) + 1;
        if (!pollable_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 10)));
            return;
        }
        for (auto& fd : fds_) fd.revents = 0;
        (void)poll(fds_.data(), fds_.size(), ms);  // EINTR or timeout: the loop simply goes round
    }

    std::vector<capture::LiveCapture>& captures_;
    pipeline::Worker& worker_;
    enforce::InlineGate* replies_;
    Logger& log_;
    std::vector<pollfd> fds_;
    bool pollable_ = true;
    std::uint64_t packets_ = 0;
    std::uint64_t replies_sent_ = 0;
    std::string failure_;
    std::function<void()> on_round_;
};

capture::LiveOptions live_options(const CaptureConfig& capture, const std::string& interface,
                                  const std::string& filter) {  // empty: none yet
    capture::LiveOptions o;
    o.interface = interface;
    o.snaplen = static_cast<int>(capture.snaplen);
    o.buffer_bytes = static_cast<int>(capture.buffer_mb * 1024 * 1024);
    o.promiscuous = capture.promiscuous;
    o.filter = filter;
    o.incoming_only = capture.mode == "bridge";
    if (capture.mode == "bridge") o.promiscuous = true;  // frames for the hosts behind the bridge
    return o;
}

// Opens every interface with its filter, once per worker: the result holds each worker's
// captures, one of each interface in capture.interfaces' order. With several workers each
// interface's captures form one AF_PACKET fanout group, so each frame reaches one worker, chosen
// by its IP address pair (capture::open_fanout). Throws capture::CaptureError for the first
// interface that fails.
std::vector<std::vector<capture::LiveCapture>> open_captures(const RunSettings& config, const CaptureConfig& capture,
                                                             std::size_t workers, Logger& log) {
    std::vector<std::vector<capture::LiveCapture>> lanes(workers);
    const bool bridge = capture.mode == "bridge";
    for (const auto& name : capture.interfaces) {
        auto members = capture::open_fanout(live_options(capture, name, bridge ? "" : capture.bpf), workers);
        const capture::LiveCapture& c = members.front();
        for (const auto& w : c.warnings()) log.warn("{}", w);
        if (!net::is_supported_linktype(c.linktype())) {
            throw capture::CaptureError(fmt::format("cannot capture on '{}': unsupported link type {} ({})", name,
                                                    c.linktype(), c.linktype_name()));
        }
        const std::string spread =
            workers > 1 ? fmt::format("; {} workers, AF_PACKET fanout group {} by IP address pair", workers,
                                      *c.fanout_group())
                        : std::string();
        if (bridge) {
            if (c.linktype() != 1) {
                throw capture::CaptureError(fmt::format("cannot bridge on '{}': link type {} is not Ethernet", name,
                                                        c.linktype_name()));
            }
            log.info("bridging {} (incoming frames, promiscuous; every frame is forwarded unless dropped{})", name, spread);
        } else {
            // The default filter depends on the link type (no `vlan` on Linux cooked captures).
            if (capture.bpf.empty()) {
                for (auto& member : members) member.set_filter(effective_filter(config, capture, c.linktype()));
            }
            log.info("capturing on {} (link type {}, {} timestamps); filter: {}{}{}", name, c.linktype_name(),
                     c.nanosecond_timestamps() ? "nanosecond" : "microsecond", members.front().filter(),
                     capture.bpf.empty() ? " (the default, docs/operations.md)" : "", spread);
        }
        for (std::size_t i = 0; i < workers; ++i) lanes[i].push_back(std::move(members[i]));
    }
    return lanes;
}

// Sums the interfaces' counters into the stats and logs each capture's. The workers' captures of
// one interface count their own frames (received, kernel drops), which add up; the interface's
// own drops (ps_ifdrop: the device's counter) are the same for each, so they are counted once.
void append_capture_stats(const std::vector<std::vector<capture::LiveCapture>>& lanes,
                          const std::vector<std::string>& interfaces, std::uint64_t packets, StatsReport& stats,
                          Logger& log) {
    stats.set("capture.interfaces", interfaces.size());
    stats.set("capture.packets", packets);
    stats.add("capture.received", 0);
    stats.add("capture.kernel_drops", 0);
    for (std::size_t k = 0; k < interfaces.size(); ++k) {
        std::uint64_t interface_drops = 0;
        for (std::size_t i = 0; i < lanes.size(); ++i) {
            const capture::LiveCapture& c = lanes[i][k];
            const auto s = c.stats();
            stats.add("capture.received", s.received);
            stats.add("capture.kernel_drops", s.kernel_drops);
            interface_drops = std::max(interface_drops, s.interface_drops);
            log.info("{}{}: {} packets read, {} received by the filter, {} kernel drops, {} interface drops",
                     c.interface(), lanes.size() > 1 ? fmt::format(" (worker {})", i) : std::string(), c.packets(),
                     s.received, s.kernel_drops, s.interface_drops);
        }
        stats.add("capture.interface_drops", interface_drops);
    }
}

void print_stats(StatsFormat format, const StatsReport& stats, std::ostream& out) {
    if (format == StatsFormat::json) out << output::to_json(stats).dump() << '\n';
    if (format == StatsFormat::text) {
        for (const auto& [name, value] : stats.values()) out << name << ' ' << value << '\n';
    }
    out.flush();
}

// Refuses what this build cannot run: the exit code, or nullopt when the run may start.
std::optional<int> refuse(const CaptureConfig& capture, const std::string& filter, std::size_t workers, Logger& log) {
    if (capture.mode == "nfqueue") {
        if (!nfqueue_available()) {
            log.error("mode nfqueue is not in this build: libnetfilter-queue-dev was not found when it was built "
                      "(install it, e.g. scripts/deps build, and rebuild)");
            return 2;
        }
        if (capture.queue + workers - 1 > 65535) {
            log.error("nfqueue mode with {} workers needs queues {}..{}: past the last queue, 65535; lower capture.queue "
                      "(--queue) or pipeline.workers (--workers)",
                      workers, capture.queue, capture.queue + workers - 1);
            return 2;
        }
        return std::nullopt;
    }
    if (capture.mode == "bridge") {
        if (capture.interfaces.size() != 2) {
            log.error("bridge mode takes exactly two interfaces (--interface A --interface B or capture.interfaces), "
                      "got {}", capture.interfaces.size());
            return 2;
        }
        if (capture.interfaces[0] == capture.interfaces[1]) {
            log.error("bridge mode needs two different interfaces, got {} twice", capture.interfaces[0]);
            return 2;
        }
        if (!capture.bpf.empty()) log.warn("capture.bpf / --bpf is not used in bridge mode: every frame is forwarded");
        return std::nullopt;
    }
    if (capture.mode != "passive") {
        log.error("unknown mode {}; use passive, nfqueue or bridge", capture.mode);
        return 2;
    }
    if (capture.interfaces.empty()) {
        log.error("no interface to capture on: give --interface IF (repeatable) or capture.interfaces in the config");
        return 2;
    }
    if (auto err = capture::filter_error(filter)) {
        log.error("bad capture filter '{}': {}", filter, *err);
        return 2;
    }
    return std::nullopt;
}

std::string join(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, ",")); }

}  // namespace

CaptureConfig effective_capture(const CaptureConfig& config, const RunOptions& options) {
    CaptureConfig c = config;
    if (options.mode) c.mode = *options.mode;
    if (options.queue) c.queue = static_cast<unsigned>(*options.queue);
    if (!options.interfaces.empty()) c.interfaces = options.interfaces;
    if (options.bpf) c.bpf = *options.bpf;
    if (options.snaplen) c.snaplen = *options.snaplen;
    if (options.buffer_mb) c.buffer_mb = *options.buffer_mb;
    if (options.active_replies) c.active_replies = *options.active_replies;
    return c;
}

std::string effective_filter(const RunSettings& config, const CaptureConfig& capture, int linktype) {
    if (!capture.bpf.empty()) return capture.bpf;
    capture::FilterPorts ports;
    ports.sip = config.pipeline.sip.ports;
    ports.smpp = config.pipeline.smpp.ports;
    ports.sip_any_port = config.pipeline.sip.any_port;
    return capture::default_filter(ports, linktype);
}

std::optional<int> check_run(const RunSettings& config, const RunOptions& options, Logger& log) {
    const CaptureConfig capture = effective_capture(config.capture, options);
    return refuse(capture, effective_filter(config, capture), config.workers, log);
}

namespace {

// The one writer of the daemon's events: every worker's events reach one file (or stdout) a
// whole line at a time, flushed as it is written so `tail -f` sees it at once. Each line is
// encoded on its worker's thread (the expensive part); only the write and the flush happen under
// the lock. With output.redis_stream each line written also goes to the Redis stream (queued
// there: Redis is never waited for under the lock), with or without a file.
class EventsOutput {
public:
    EventsOutput(const std::string& path, std::ostream& out, const output::EventOptions& options,
                 const redis::EventStreamSettings& stream, Logger& log) {
        if (stream.enabled()) stream_.emplace(stream, log);
        if (!path.empty() || stream_) writer_.emplace(path, out, options);
        if (stream_) writer_->tap_lines([this](std::string_view line) { stream_->add(line); });
    }
    bool enabled() const { return writer_.has_value(); }
    void write(const record::Contact& contact) {
        if (!writer_) return;
        const std::string line = output::to_jsonl(contact, writer_->options());
        const std::lock_guard hold(lock_);
        writer_->write_line(line);
        writer_->flush();
    }
    void write_unparsed(const output::UnparsedEvent& event) {
        if (!writer_) return;
        const std::lock_guard hold(lock_);
        writer_->on_unparsed(event);
        writer_->flush();
    }
    void flush() {
        if (!writer_) return;
        const std::lock_guard hold(lock_);
        writer_->flush();
    }
    // Once the workers have ended: sends what the stream still holds (for a bounded time) and
    // adds its redis.* counters.
    void close_stream(StatsReport& stats) {
        if (!stream_) return;
        stream_->close();
        stream_->append_stats(stats);
    }
    // The stream's redis.* counters while it runs (atomics: any thread may read them).
    void append_stream_stats(StatsReport& stats) const {
        if (stream_) stream_->append_stats(stats);
    }

private:
    std::optional<redis::EventStream> stream_;  // before writer_: the writer's tap points to it
    std::optional<output::JsonlWriter> writer_;
    std::mutex lock_;
};

// A worker's finished contacts, to the one writer.
class LaneEvents final : public record::ContactSink {
public:
    explicit LaneEvents(EventsOutput& output) : output_(output) {}
    void on_contact(const record::Contact& contact) override { output_.write(contact); }

private:
    EventsOutput& output_;
};

// What a lane publishes for /metrics: its counters, and in the inline modes its loop's run so
// far, whose latency histograms are merged over the lanes before percentiles are taken (as the
// final --stats does).
struct LaneSnapshot {
    StatsReport stats;
    std::optional<BridgeRun> bridge;
    std::optional<NfqueueRun> nfqueue;

    void merge(const LaneSnapshot& other) {
        stats.merge(other.stats);
        if (other.bridge) merge_bridge_runs(bridge ? *bridge : bridge.emplace(), *other.bridge);
        if (other.nfqueue) merge_nfqueue_runs(nfqueue ? *nfqueue : nfqueue.emplace(), *other.nfqueue);
    }
    StatsReport report() const {
        StatsReport out = stats;
        if (bridge) append_bridge_stats(*bridge, out);
        if (nfqueue) append_nfqueue_stats(*nfqueue, out);
        return out;
    }
};

// What one worker (one packet thread) owns: its pipeline::Worker, its detection stage (the
// worker's decider, with its own Hyperscan scratch, reading the shared reloadable set), its
// InlineGate (with its own enforcement ledger, read by this lane's detection stage only: a flow's
// packets all reach one worker) and its events, written through the one writer.
struct Lane {
    // `workers`: how many lanes share the configured table bounds (pipeline::share_of).
    Lane(const RunSettings& config, std::size_t workers, EventsOutput& output, policy::DetectionHolder* holder,
         behaviour::Engine* behaviour, lists::LearnedList* learned, Logger& log)
        : events(output) {
        const pipeline::PipelineConfig share = pipeline::share_of(config.pipeline, workers);
        if (holder != nullptr) {
            detection.emplace(*holder, events);
            detection->set_behaviour(behaviour);
            detection->set_learned(learned);
        }
        record::ContactSink& first = detection ? static_cast<record::ContactSink&>(*detection) : events;
        worker.emplace(share, first, log, detection ? &*detection : nullptr);
        if (holder == nullptr) return;
        gate.emplace(*holder, *worker, share, config.inline_gate);
        if (output.enabled()) {
            gate->report_unparsed_to([this, &output](const output::UnparsedEvent& event) {
                output::UnparsedEvent named = event;
                named.source = source;
                output.write_unparsed(named);
            });
        }
    }
    Lane(const Lane&) = delete;
    Lane& operator=(const Lane&) = delete;

    enforce::InlineGate* inline_gate() { return gate ? &*gate : nullptr; }

    // The pipeline's, the detection stage's and the gate's counters of this worker.
    StatsReport stats() const {
        StatsReport report = worker->stats();
        if (detection) detection->append_stats(report);
        if (gate) gate->append_stats(report);
        return report;
    }

    std::string source;          // the capture source's name in records and unparsed events
    std::uint64_t packets = 0;   // packets this lane's loop read (set when the loop ends)
    LaneEvents events;
    std::optional<policy::DetectionStage> detection;
    std::optional<pipeline::Worker> worker;
    std::optional<enforce::InlineGate> gate;  // per-packet decisions: inline modes and active replies
};

// What every mode shares: the events writer, the detection in force (replaced as a whole by each
// successful reload, for every worker at once), the workers, the signal watcher and the control
// socket.
struct Daemon {
    Daemon(const RunSettings& config, const RunOptions& options, std::size_t workers, std::ostream& out, Logger& logger)
        : log(logger),
          events(options.events_path.empty() ? config.events_path : options.events_path, out,
                 output::EventOptions{config.redact_text}, config.event_stream, logger),
          behaviour(options.behaviour),
          learned_sync(options.learned_sync),
          signals(stop, hup) {
        if (!events.enabled()) log.warn("no --events, no output.events and no output.redis_stream: contacts are only counted");
        if (options.detection) holder.emplace(std::shared_ptr<const policy::Detection>(options.detection, [](const policy::Detection*) {}));
        for (std::size_t i = 0; i < workers; ++i) {
            lanes.push_back(
                std::make_unique<Lane>(config, workers, events, holder ? &*holder : nullptr, options.behaviour,
                                                   options.learned, log));
        }
        if (options.learned) learned.emplace(*options.learned, options.learned_path, log);
        if (holder && options.reload) {
            reloader.emplace(*holder, options.reload, log);
            control.emplace(*reloader, options.control_path.empty() ? default_control_path() : options.control_path,
                            hup, log, learned ? &*learned : nullptr);
        } else {
            log.warn("no detection in this run: SIGHUP and the control socket have nothing to reload");
        }
    }

    bool has_detection() const { return holder.has_value(); }

    // Serves /metrics on `address` (--metrics, metrics.listen). Returns why it cannot, or "".
    // The endpoint sums the counters the lanes last published (publish_lane) with the process's
    // own (reloads, behaviour, Redis clients: atomics), so a scrape never touches a worker.
    std::string start_metrics(const metrics::ListenAddress& address, std::string version) {
        board.emplace(lanes.size());
        build.version = std::move(version);
        std::string error;
        metrics_server = metrics::MetricsServer::start(address, [this] { return scrape(); }, error);
        if (metrics_server) log.info("metrics: serving http://{}/metrics", metrics_server->address());
        return error;
    }

    // On lane i's own thread: its counters as `--stats` would sum them, for the next scrapes.
    // `packets`: what the lane's loop has read so far; `captures`: its libpcap handles, whose
    // received and kernel drop counts add up over the lanes (the interface's own drops, the same
    // for every lane, are left to the final --stats).
    void publish_lane(std::size_t i, std::uint64_t packets, const std::vector<capture::LiveCapture>* captures = nullptr,
                      LaneSnapshot snapshot = {}) {
        if (!board) return;
        StatsReport& report = snapshot.stats;
        report = lanes[i]->stats();
        if (!snapshot.nfqueue) report.add("capture.packets", packets);  // nfqueue: nfqueue.packets
        if (captures != nullptr) {
            for (const auto& c : *captures) {
                const auto s = c.stats();
                report.add("capture.received", s.received);
                report.add("capture.kernel_drops", s.kernel_drops);
            }
        }
        if (lanes.size() > 1) report.set(fmt::format("worker.{}.packets", i), packets);
        board->publish(i, std::move(snapshot));
    }
    // The inline loops' publications: their run so far (a copy: the loop goes on with its own).
    void publish_bridge(std::size_t i, const BridgeRun& run, const std::vector<capture::LiveCapture>& sides) {
        LaneSnapshot snapshot;
        snapshot.bridge = run;
        publish_lane(i, run.packets, &sides, std::move(snapshot));
    }
    void publish_nfqueue(std::size_t i, const NfqueueRun& run) {
        LaneSnapshot snapshot;
        snapshot.nfqueue = run;
        publish_lane(i, run.packets, nullptr, std::move(snapshot));
    }
    bool publishes() const { return board.has_value(); }

    std::string scrape() const {
        StatsReport stats = board->sum().report();
        if (lanes.size() > 1) stats.set("workers", lanes.size());
        if (reloader) reloader->append_stats(stats);
        if (behaviour) behaviour->append_stats(stats);
        if (learned_sync) learned_sync->append_stats(stats);
        events.append_stream_stats(stats);
        return metrics::render(stats, build);
    }

    // Tells the detection stages where the traffic comes from: inline, events read what their
    // lane's gate actually applied (its ledger); passive, nothing is carried out on the wire.
    void wire(policy::WireContext context) {
        for (auto& lane : lanes) {
            if (!lane->detection) continue;
            const bool from_gate = context == policy::WireContext::inline_gate && lane->gate;
            lane->detection->set_wire(context, from_gate ? &lane->gate->applied() : nullptr);
        }
    }

    // Names each worker's capture source for its records and its gate's events.
    void begin_source(const std::function<std::string(std::size_t)>& name_of) {
        for (std::size_t i = 0; i < lanes.size(); ++i) {
            lanes[i]->source = name_of(i);
            lanes[i]->worker->begin_source(lanes[i]->source);
        }
    }

    // Drains the workers (their threads have ended), flushes the events and gathers the stats
    // every mode reports, summed over the workers; with several, also worker.N.packets (the
    // packets each worker's loop read), which shows how the traffic was spread.
    StatsReport finish() {
        if (signals.received()) log.info("{} received: stopping", signals.received() == SIGINT ? "SIGINT" : "SIGTERM");
        for (auto& lane : lanes) lane->worker->end_source();  // open calls end as capture_end, pending SMS are written
        events.flush();
        if (learned_sync) learned_sync->close();  // changes to Redis (bounded), no more merges into the file
        if (learned) learned->save_if_changed(true);
        StatsReport stats;
        for (const auto& lane : lanes) stats.merge(lane->stats());
        if (lanes.size() > 1) {
            stats.set("workers", lanes.size());
            for (std::size_t i = 0; i < lanes.size(); ++i) stats.set(fmt::format("worker.{}.packets", i), lanes[i]->packets);
        }
        if (reloader) reloader->append_stats(stats);
        if (behaviour) behaviour->append_stats(stats);  // one state for every worker: counted once
        if (learned_sync) learned_sync->append_stats(stats);
        events.close_stream(stats);
        return stats;
    }

    Logger& log;
    EventsOutput events;
    std::optional<policy::DetectionHolder> holder;
    behaviour::Engine* behaviour = nullptr;
    lists::LearnedSync* learned_sync = nullptr;
    std::vector<std::unique_ptr<Lane>> lanes;
    std::atomic<bool> stop{false};
    std::atomic<bool> hup{false};
    SignalWatcher signals;  // before any thread this daemon starts: they inherit its blocked signals
    std::optional<Reloader> reloader;
    std::optional<LearnedControl> learned;  // before `control`, whose thread uses it
    std::optional<ControlServer> control;
    // /metrics: the lanes' published counters and the server (last: its threads start after the
    // signal mask is set, and end first).
    std::optional<metrics::SnapshotBoard<LaneSnapshot>> board;
    metrics::BuildInfo build;
    std::unique_ptr<metrics::MetricsServer> metrics_server;
};

// Runs body(i) for every lane: lane 0 on the calling thread, the others on threads of their own.
// Call it after the privilege drop: the threads inherit the calling thread's user and
// capabilities (capabilities are per thread). A lane that throws stops the others; the first
// exception is rethrown once every lane has ended.
void run_lanes(std::size_t count, std::atomic<bool>& stop, const std::function<void(std::size_t)>& body) {
    std::vector<std::exception_ptr> failures(count);
    const auto guarded = [&](std::size_t i) {
        try {
            body(i);
        } catch (...) {
            failures[i] = std::current_exception();
            stop = true;
        }
    };
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 1; i < count; ++i) threads.emplace_back(guarded, i);
        guarded(0);
    }
    for (const auto& failure : failures) {
        if (failure) std::rethrow_exception(failure);
    }
}

// Switches to daemon.user (--user) keeping `keep`; returns why it failed, or "".
std::string become_user(const RunSettings& config, const RunOptions& options, std::span<const Capability> keep, Logger& log) {
    PrivilegeDrop request{options.user.value_or(config.daemon.user), options.group.value_or(config.daemon.group)};
    if (request.user.empty()) return {};
    if (auto error = drop_privileges(request, keep)) return *error;
    log.info("{}", describe_credentials());
    return {};
}

// When --duration (> 0) ends the run.
std::optional<Clock::time_point> deadline_of(double duration_s) {
    if (duration_s <= 0) return std::nullopt;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
}

// Binds one queue per worker (capture.queue and up). All or nothing: when a queue cannot be
// bound, none is kept and the run stops (a queue of the rule's range left unbound would let its
// share of the traffic through unfiltered with --queue-bypass, or drop it without).
std::vector<std::unique_ptr<NfqueueBinding>> bind_queues(Daemon& d, const NfqueueSettings& base, std::string& failure) {
    std::vector<std::unique_ptr<NfqueueBinding>> bindings;
    for (std::size_t i = 0; i < d.lanes.size(); ++i) {
        NfqueueSettings settings = base;
        settings.queue = base.queue + static_cast<int>(i);
        Lane& lane = *d.lanes[i];
        bindings.push_back(std::make_unique<NfqueueBinding>(settings, *lane.worker, lane.inline_gate(), d.log));
        if (!bindings.back()->failure().empty()) {
            failure = bindings.back()->failure();
            if (d.lanes.size() > 1) failure += fmt::format(" (every queue {}..{} is needed, one per worker)", base.queue,
                                                           base.queue + static_cast<int>(d.lanes.size()) - 1);
            bindings.clear();
            break;
        }
    }
    return bindings;
}

int run_nfqueue(Daemon& d, const RunSettings& config, const CaptureConfig& capture, const RunOptions& options,
                std::ostream& out) {
    if (!d.has_detection()) d.log.warn("nfqueue mode without detection: every packet is accepted");
    const int first_queue = static_cast<int>(capture.queue);
    const std::size_t workers = d.lanes.size();
    d.begin_source([&](std::size_t i) { return fmt::format("nfqueue:{}", first_queue + static_cast<int>(i)); });
    d.wire(policy::WireContext::inline_gate);
    NfqueueSettings settings;
    settings.queue = first_queue;
    settings.socket_buffer_bytes = capture.buffer_mb * 1024 * 1024;
    settings.deadline = deadline_of(options.duration_s);
    if (d.reloader) settings.reloads = &d.reloader->activity();
    if (workers > 1) {
        d.log.info("nfqueue mode: {} workers, one queue each ({}..{}); the rule must spread over exactly these: "
                   "--queue-balance {}:{} (docs/operations.md)",
                   workers, first_queue, first_queue + static_cast<int>(workers) - 1, first_queue,
                   first_queue + static_cast<int>(workers) - 1);
    }
    std::string failure;
    auto bindings = bind_queues(d, settings, failure);
    // Verdicts and the reject socket's IP_TRANSPARENT need CAP_NET_ADMIN after the switch too;
    // the worker threads, started after it, inherit it.
    static constexpr std::array kKeep{Capability::net_admin};
    if (failure.empty()) failure = become_user(config, options, kKeep, d.log);
    std::vector<NfqueueRun> runs(failure.empty() ? workers : 0);
    if (failure.empty()) {
        run_lanes(workers, d.stop, [&](std::size_t i) {
            metrics::PublishClock publish_clock;
            NfqueueRoundHook on_round;
            if (d.publishes()) {
                on_round = [&](const NfqueueRun& so_far) {
                    if (publish_clock.due()) d.publish_nfqueue(i, so_far);
                };
            }
            runs[i] = bindings[i]->run(d.stop, on_round);
            d.publish_nfqueue(i, runs[i]);
            d.lanes[i]->packets = runs[i].packets;
            if (!runs[i].failure.empty()) d.stop = true;  // one queue failing stops them all
        });
    }
    bindings.clear();  // unbound: with --queue-bypass the kernel lets packets through again
    NfqueueRun total;
    total.failure = failure;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        merge_nfqueue_runs(total, runs[i]);
        if (workers > 1) {
            d.log.info("nfqueue: queue {}: {} packets, {} accepted, {} dropped", first_queue + static_cast<int>(i),
                       runs[i].packets, runs[i].accepted, runs[i].dropped);
        }
    }
    if (!total.failure.empty()) d.log.error("nfqueue: {}; stopping", total.failure);
    StatsReport stats = d.finish();
    append_nfqueue_stats(total, stats);
    d.log.info("nfqueue: {} packets, {} accepted ({} changed), {} dropped, {} SIP responses sent", total.packets,
               total.accepted, total.rewritten, total.dropped, total.replies_sent);
    print_stats(options.stats, stats, out);
    return total.failure.empty() ? 0 : 1;
}

// Each worker's captures: one of each interface (in capture.interfaces' order), in that
// interface's fanout group when there are several workers.
using LaneCaptures = std::vector<std::vector<capture::LiveCapture>>;

int run_bridge(Daemon& d, LaneCaptures& sides, const CaptureConfig& capture, const RunOptions& options,
               std::ostream& out) {
    if (!d.has_detection()) d.log.warn("bridge mode without detection: every frame is forwarded");
    d.begin_source([&](std::size_t) { return join(capture.interfaces); });
    d.wire(policy::WireContext::inline_gate);
    const auto deadline = deadline_of(options.duration_s);
    const ReloadActivity* reloads = d.reloader ? &d.reloader->activity() : nullptr;
    std::vector<BridgeRun> runs(d.lanes.size());
    run_lanes(d.lanes.size(), d.stop, [&](std::size_t i) {
        Lane& lane = *d.lanes[i];
        metrics::PublishClock publish_clock;
        BridgeRoundHook on_round;
        if (d.publishes()) {
            on_round = [&](const BridgeRun& so_far) {
                if (publish_clock.due()) d.publish_bridge(i, so_far, sides[i]);
            };
        }
        runs[i] = run_bridge_loop(sides[i], *lane.worker, lane.inline_gate(), d.stop, deadline, d.log, reloads, on_round);
        d.publish_bridge(i, runs[i], sides[i]);
        lane.packets = runs[i].packets;
        if (!runs[i].failure.empty()) d.stop = true;
    });
    BridgeRun total;
    for (const auto& run : runs) merge_bridge_runs(total, run);
    if (!total.failure.empty()) d.log.error("bridge: {}; stopping", total.failure);
    StatsReport stats = d.finish();
    append_bridge_stats(total, stats);
    append_capture_stats(sides, capture.interfaces, total.packets, stats, d.log);
    d.log.info("bridge: {} frames, {} forwarded ({} changed), {} dropped, {} SIP responses sent, {} inject errors",
               total.packets, total.forwarded, total.rewritten, total.dropped, total.replies_sent, total.inject_errors);
    print_stats(options.stats, stats, out);
    return total.failure.empty() ? 0 : 1;
}

int run_passive(Daemon& d, LaneCaptures& captures, const CaptureConfig& capture, const RunOptions& options,
                std::ostream& out) {
    d.log.info("passive mode: snaplen {}, buffer {} MiB per interface and worker, promiscuous {}, active replies {}",
               capture.snaplen, capture.buffer_mb, capture.promiscuous ? "on" : "off",
               capture.active_replies ? "on" : "off");
    const bool replies = capture.active_replies && d.has_detection();
    if (capture.active_replies && !d.has_detection()) d.log.warn("active replies need detection; none in this run");
    d.begin_source([&](std::size_t) { return join(capture.interfaces); });
    d.wire(policy::WireContext::passive);
    const auto deadline = deadline_of(options.duration_s);
    std::vector<std::string> failures(d.lanes.size());
    std::uint64_t packets = 0;
    std::uint64_t replies_sent = 0;
    std::mutex totals_lock;
    run_lanes(d.lanes.size(), d.stop, [&](std::size_t i) {
        Lane& lane = *d.lanes[i];
        CaptureLoop loop(captures[i], *lane.worker, replies ? lane.inline_gate() : nullptr, d.log);
        metrics::PublishClock publish_clock;
        if (d.publishes()) {
            loop.on_round([&] {
                if (publish_clock.due()) d.publish_lane(i, loop.packets(), &captures[i]);
            });
        }
        failures[i] = loop.run(d.stop, deadline);
        d.publish_lane(i, loop.packets(), &captures[i]);
        if (!failures[i].empty()) d.stop = true;
        lane.packets = loop.packets();
        const std::lock_guard hold(totals_lock);
        packets += loop.packets();
        replies_sent += loop.replies_sent();
    });
    std::string failure;
    for (const auto& f : failures) {
        if (failure.empty()) failure = f;
    }
    if (!failure.empty()) d.log.error("capture failed: {}; stopping", failure);
    StatsReport stats = d.finish();
    if (capture.active_replies) stats.set("passive.replies_sent", replies_sent);
    append_capture_stats(captures, capture.interfaces, packets, stats, d.log);
    print_stats(options.stats, stats, out);
    return failure.empty() ? 0 : 1;
}

}  // namespace

int run_live(const RunSettings& config, const RunOptions& options, std::ostream& out, Logger& log) {
    if (auto code = check_run(config, options, log)) return *code;
    const CaptureConfig capture = effective_capture(config.capture, options);
    const std::size_t workers = config.workers;
    Daemon daemon(config, options, workers, out, log);
    if (options.metrics) {
        // Before the switch to daemon.user: a port below 1024 can still be bound.
        if (const std::string error = daemon.start_metrics(*options.metrics, options.version); !error.empty()) {
            log.error("metrics: {}", error);
            return 1;
        }
    }
    if (capture.mode == "nfqueue") return run_nfqueue(daemon, config, capture, options, out);
    LaneCaptures captures;
    try {
        captures = open_captures(config, capture, workers, log);
    } catch (const capture::CaptureError& e) {
        log.error("{}", e.what());
        return 1;
    }
    // A packet socket checks privileges only when it is opened: reading and injecting on the open
    // pcap handles needs no capability afterwards.
    const std::string switched = become_user(config, options, {}, log);
    if (!switched.empty()) {
        log.error("{}; stopping", switched);
        return 1;
    }
    if (capture.mode == "bridge") return run_bridge(daemon, captures, capture, options, out);
    return run_passive(daemon, captures, capture, options, out);
}

}  // namespace scamgate::daemon
