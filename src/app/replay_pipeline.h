#pragma once
// What replay feeds packets to: one pipeline::Worker on the calling thread (pipeline.workers 1,
// exactly today's output and order), or N workers on their own threads fed by this thread
// (app/sharded_pipeline.cpp). Both hand every finished contact, with its verdict when detection
// is on, to `output`.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "capture/packet.h"
#include "common/log.h"
#include "common/stats.h"
#include "output/events.h"
#include "pipeline/worker.h"
#include "record/contact.h"

namespace scamgate::policy {
struct Detection;
}

namespace scamgate::app {

class ReplayPipeline {
public:
    virtual ~ReplayPipeline() = default;
    virtual void begin_source(const std::string& name) = 0;
    virtual void on_packet(const capture::Packet& packet) = 0;
    virtual void end_source() = 0;
    // Waits until every packet handed over has gone through (and its contacts reached the
    // output); rethrows what a worker thread threw. Call once, before stats().
    virtual void finish() = 0;
    // The pipeline's and the detection stage's counters, summed over the workers.
    virtual StatsReport stats() const = 0;
};

// replay --metrics: called by each worker, on the thread that runs it, about once a second and
// when its work ends, with its counters (metrics::StatsBoard::publish). Empty: not called.
using StatsPublisher = std::function<void(std::size_t worker, StatsReport report)>;

// One worker on the calling thread. `detection` may be null (no verdicts), `behaviour` too (no
// behaviour findings; not owned, shared by every worker).
std::unique_ptr<ReplayPipeline> make_single_pipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                                                     behaviour::Engine* behaviour, lists::LearnedList* learned, record::ContactSink& output, Logger& log,
                                                     StatsPublisher publish = {});

// Where the sharded workers' contacts go (either may be null; neither owned).
struct ShardedOutput {
    output::JsonlWriter* events = nullptr;  // lines encoded on each worker's thread, written one at a time
    record::ContactSink* others = nullptr;  // the summary table: one contact at a time
};

// `workers` (2..) worker threads, each with its own pipeline::Worker and detection stage (its own
// Hyperscan scratch), fed by the calling thread sharded by net::shard_of. Contacts reach `output`
// whole, one at a time, in no fixed order between workers.
std::unique_ptr<ReplayPipeline> make_sharded_pipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                                                      behaviour::Engine* behaviour, lists::LearnedList* learned, const ShardedOutput& output,
                                                      std::size_t workers, Logger& log, StatsPublisher publish = {});

}  // namespace scamgate::app
