// replay --workers N: this thread reads, each worker thread owns one pipeline::Worker and one
// policy::DetectionStage. Packets travel in batches (copies: libpcap's buffer is reused by the
// next read) over one single-producer/single-consumer ring per worker, and the emptied batches
// come back over a second ring to be filled again, so the steady state allocates nothing and a
// slow worker holds the reader back (every batch in flight) instead of losing packets.
#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "app/replay.h"
#include "app/replay_pipeline.h"
#include "metrics/stats_board.h"
#include "common/spsc_ring.h"
#include "net/shard.h"
#include "output/events.h"
#include "policy/stage.h"

namespace scamgate::app {
namespace {

// What a batch carries: packets, and the markers every worker must see in the reader's order.
enum class ItemKind : std::uint8_t {
    packet,
    begin_source,   // bytes: the source's name
    end_source,
    housekeep,      // a packet at `ts` went elsewhere and ran the housekeeping (Worker::housekeep_at)
    advance_clock,  // the source's last packet time, before end_source (Worker::advance_clock)
};

struct Item {
    ItemKind kind = ItemKind::packet;
    int linktype = 0;
    Timestamp ts = 0;
    std::uint32_t wire_length = 0;
    std::uint64_t number = 0;
    std::size_t offset = 0;  // into Batch::bytes
    std::size_t length = 0;
};

// Sized so a batch holds a few hundred typical SIP packets: few enough hand-overs that the rings
// cost nothing per packet, small enough that a worker starts soon.
struct Batch {
    static constexpr std::size_t kMaxItems = 512;
    static constexpr std::size_t kBytes = 512 * 1024;

    Batch() {
        items.reserve(kMaxItems);
        bytes.reserve(kBytes);
    }
    // An empty batch takes anything (a frame larger than kBytes grows it once, for good).
    bool has_room(std::size_t length) const {
        return items.empty() || (items.size() < kMaxItems && bytes.size() + length <= bytes.capacity());
    }
    void add(Item item, ByteView data) {
        item.offset = bytes.size();
        item.length = data.size();
        bytes.insert(bytes.end(), data.begin(), data.end());
        items.push_back(item);
    }
    ByteView data_of(const Item& item) const { return ByteView(bytes).subspan(item.offset, item.length); }
    void clear() {
        items.clear();
        bytes.clear();
    }

    std::vector<Item> items;
    std::vector<std::uint8_t> bytes;
};

// The one writer. Encoding an event is the expensive part of writing it (measured: 60% of the
// CPU time of a one-worker replay of the SIP benchmark file with --events), so each worker
// encodes its contacts' lines on its own thread and only the write of a finished line (and the
// table's row) happens under the lock shared by all workers; every line stays whole.
class WorkerOutput final : public record::ContactSink {
public:
    WorkerOutput(const ShardedOutput& targets, std::mutex& lock) : targets_(targets), lock_(lock) {}
    void on_contact(const record::Contact& contact) override {
        std::string line;
        if (targets_.events) line = output::to_jsonl(contact, targets_.events->options());
        const std::lock_guard hold(lock_);
        if (targets_.events) targets_.events->write_line(line);
        if (targets_.others) targets_.others->on_contact(contact);
    }

private:
    ShardedOutput targets_;
    std::mutex& lock_;
};

// One worker thread and the two rings that feed it.
class Lane {
public:
    static constexpr std::size_t kBatches = 8;  // in flight per worker: the back-pressure bound

    Lane(const pipeline::PipelineConfig& config, const policy::Detection* detection, behaviour::Engine* behaviour, lists::LearnedList* learned,
         const ShardedOutput& output, std::mutex& output_lock, Logger& log, std::size_t index, StatsPublisher publish)
        : index_(index),
          publish_(std::move(publish)),
          to_worker_(kBatches + 1),
          to_reader_(kBatches),
          output_(output, output_lock),
          detection_(detection_stage_for(detection, output_, behaviour, learned)),
          worker_(config, first_sink_of(detection_, output_), log, decider_of(detection_)) {
        for (std::size_t i = 0; i < kBatches; ++i) {
            batches_.push_back(std::make_unique<Batch>());
            to_reader_.push(batches_.back().get());
        }
    }
    Lane(const Lane&) = delete;
    Lane& operator=(const Lane&) = delete;
    ~Lane() {
        if (thread_.joinable()) {
            close();
            thread_.join();
        }
    }

    void start() { thread_ = std::thread([this] { run(); }); }

    // ---- the reader's side ----
    void add_packet(const capture::Packet& packet) {
        ++packets_;
        add({ItemKind::packet, packet.linktype, packet.ts, packet.wire_length, packet.number, 0, 0}, packet.data);
    }
    void add_marker(ItemKind kind, Timestamp ts = 0, ByteView data = {}) { add({kind, 0, ts, 0, 0, 0, 0}, data); }
    void flush() {
        if (filling_ == nullptr) return;
        to_worker_.push(filling_);
        filling_ = nullptr;
    }
    // No more batches: the worker thread ends once it has done the ones it holds.
    void close() {
        flush();
        to_worker_.push(nullptr);
    }
    // Joins the thread; rethrows what it threw.
    void join() {
        thread_.join();
        if (failure_) std::rethrow_exception(failure_);
    }

    std::uint64_t packets_handed() const { return packets_; }

    StatsReport stats() const {
        StatsReport report = worker_.stats();
        if (detection_) detection_->append_stats(report);
        return report;
    }

private:
    void add(const Item& item, ByteView data) {
        if (filling_ != nullptr && !filling_->has_room(data.size())) flush();
        if (filling_ == nullptr) {
            filling_ = to_reader_.pop();  // waits while every batch is in flight: back-pressure
            filling_->clear();
        }
        filling_->add(item, data);
    }

    // ---- the worker thread ----
    void run() {
        while (Batch* batch = to_worker_.pop()) {
            if (!failure_) {
                try {
                    process(*batch);
                } catch (...) {
                    // Keep taking batches (unprocessed) so the reader never waits forever; the
                    // reader's finish() rethrows this.
                    failure_ = std::current_exception();
                }
            }
            to_reader_.push(batch);
            if (publish_ && publish_clock_.due()) publish_(index_, stats());
        }
        if (publish_) publish_(index_, stats());  // the last word: every batch done
    }

    void process(const Batch& batch) {
        for (const Item& item : batch.items) {
            switch (item.kind) {
                case ItemKind::packet:
                    worker_.on_packet(capture::Packet{item.ts, item.linktype, batch.data_of(item), item.wire_length,
                                                      item.number});
                    break;
                case ItemKind::begin_source: worker_.begin_source(std::string(as_text(batch.data_of(item)))); break;
                case ItemKind::end_source: worker_.end_source(); break;
                case ItemKind::housekeep: worker_.housekeep_at(item.ts); break;
                case ItemKind::advance_clock: worker_.advance_clock(item.ts); break;
            }
        }
    }

    std::size_t index_;
    StatsPublisher publish_;                 // called on the worker thread (replay --metrics)
    metrics::PublishClock publish_clock_;    // worker thread only
    std::vector<std::unique_ptr<Batch>> batches_;
    SpscRing<Batch*> to_worker_;  // filled batches; nullptr: no more
    SpscRing<Batch*> to_reader_;  // emptied batches, to fill again
    Batch* filling_ = nullptr;    // the reader's batch being filled (not in either ring)
    std::uint64_t packets_ = 0;   // handed to this worker (reader side; for the debug log)
    WorkerOutput output_;
    std::optional<policy::DetectionStage> detection_;
    pipeline::Worker worker_;
    std::exception_ptr failure_;  // written by the worker thread, read after join
    std::thread thread_;
};

// pipeline::Worker runs its timeouts when a packet's time passes the next housekeeping time. A
// worker that sees only its shard would run them later than one that sees every packet, and end
// calls at its own last packet time; the reader replays that schedule here and tells the other
// workers, so each worker's timeouts fire at the same packet times as with one worker.
class ClockMirror {
public:
    explicit ClockMirror(Timestamp interval) : interval_(interval) {}
    void begin_source() { next_ = 0; }
    // Notes a packet's time; true when the worker that gets it runs the housekeeping.
    bool housekeeping_due(Timestamp ts) {
        last_ = std::max(last_, ts);
        if (ts < next_) return false;
        next_ = ts + interval_;
        return true;
    }
    // The latest packet time since the last end_source, then forgets it (as the worker does).
    Timestamp end_source() { return std::exchange(last_, Timestamp{0}); }

private:
    Timestamp interval_;
    Timestamp next_ = 0;
    Timestamp last_ = 0;
};

class ShardedPipeline final : public ReplayPipeline {
public:
    ShardedPipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                    behaviour::Engine* behaviour, lists::LearnedList* learned, const ShardedOutput& output, std::size_t workers, Logger& log,
                    const StatsPublisher& publish)
        : clock_(config.housekeeping_interval), log_(log) {
        for (std::size_t i = 0; i < workers; ++i) {
            lanes_.push_back(std::make_unique<Lane>(pipeline::share_of(config, workers), detection, behaviour, learned, output,
                                                    output_lock_, log, i, publish));
        }
        for (auto& lane : lanes_) lane->start();
    }

    void begin_source(const std::string& name) override {
        clock_.begin_source();
        for (auto& lane : lanes_) lane->add_marker(ItemKind::begin_source, 0, as_bytes(name));
    }

    void on_packet(const capture::Packet& packet) override {
        const std::size_t target = net::shard_of(packet.linktype, packet.data, lanes_.size());
        lanes_[target]->add_packet(packet);
        if (!clock_.housekeeping_due(packet.ts)) return;
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            if (i != target) lanes_[i]->add_marker(ItemKind::housekeep, packet.ts);
        }
    }

    void end_source() override {
        const Timestamp last = clock_.end_source();
        for (auto& lane : lanes_) {
            lane->add_marker(ItemKind::advance_clock, last);
            lane->add_marker(ItemKind::end_source);
        }
    }

    void finish() override {
        for (auto& lane : lanes_) lane->close();
        std::exception_ptr first_failure;
        for (auto& lane : lanes_) {
            try {
                lane->join();
            } catch (...) {
                if (!first_failure) first_failure = std::current_exception();
            }
        }
        if (first_failure) std::rethrow_exception(first_failure);
        // How the shard key spread this capture (tests/scripts/test_workers.sh reads it with -v).
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            log_.debug("replay worker {} of {}: {} packets", i, lanes_.size(), lanes_[i]->packets_handed());
        }
    }

    StatsReport stats() const override {
        StatsReport total;
        for (const auto& lane : lanes_) total.merge(lane->stats());
        return total;
    }

private:
    ClockMirror clock_;
    std::mutex output_lock_;  // the one writer's lock (WorkerOutput)
    Logger& log_;
    std::vector<std::unique_ptr<Lane>> lanes_;  // last: their threads stop before the rest goes
};

}  // namespace

std::unique_ptr<ReplayPipeline> make_sharded_pipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                                                      behaviour::Engine* behaviour, lists::LearnedList* learned, const ShardedOutput& output,
                                                      std::size_t workers, Logger& log, StatsPublisher publish) {
    return std::make_unique<ShardedPipeline>(config, detection, behaviour, learned, output, workers, log, publish);
}

}  // namespace scamgate::app
