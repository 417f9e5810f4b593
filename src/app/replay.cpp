#include "app/replay.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "app/replay_pipeline.h"
#include "capture/pcap_file.h"
#include "metrics/exposition.h"
#include "metrics/server.h"
#include "metrics/stats_board.h"
#include "net/decoder.h"
#include "output/events.h"
#include "pipeline/worker.h"
#include "policy/stage.h"
#include "redis/event_stream.h"

namespace scamgate::app {

namespace {

bool is_capture_file(const std::filesystem::path& path) {
    auto ext = path.extension().string();
    return ext == ".pcap" || ext == ".pcapng" || ext == ".cap";
}

struct FileCounters {
    std::uint64_t files = 0;
    std::uint64_t unreadable = 0;
    std::uint64_t unsupported = 0;
    std::uint64_t truncated = 0;
};

void replay_file(const std::string& path, ReplayPipeline& pipeline, FileCounters& counters, Logger& log) {
    std::optional<capture::PcapFileReader> reader;
    try {
        reader.emplace(path);
    } catch (const capture::CaptureError& e) {
        ++counters.unreadable;
        log.error("{}", e.what());
        return;
    }
    if (!net::is_supported_linktype(reader->linktype())) {
        ++counters.unsupported;
        log.error("unsupported link type {} in {} ({}); file skipped", reader->linktype(), path,
                  reader->linktype_name());
        return;
    }
    ++counters.files;
    pipeline.begin_source(path);
    while (auto packet = reader->next()) pipeline.on_packet(*packet);
    if (!reader->error().empty()) {
        ++counters.truncated;
        log.warn("{}: reading stopped early: {}", path, reader->error());
    }
}

// Today's replay: one worker on this thread, its contacts through the detection stage.
class SinglePipeline final : public ReplayPipeline {
public:
    SinglePipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                   behaviour::Engine* behaviour, lists::LearnedList* learned, record::ContactSink& output, Logger& log,
                   StatsPublisher publish)
        : detection_(detection_stage_for(detection, output, behaviour, learned)),
          worker_(config, first_sink_of(detection_, output), log, decider_of(detection_)),
          publish_(std::move(publish)) {}
    void begin_source(const std::string& name) override { worker_.begin_source(name); }
    void on_packet(const capture::Packet& packet) override {
        worker_.on_packet(packet);
        // The clock is read every 256 packets only: a publication is due about once a second.
        if (publish_ && (++packets_ % 256) == 0 && publish_clock_.due()) publish_(0, stats());
    }
    void end_source() override { worker_.end_source(); }
    void finish() override {
        if (publish_) publish_(0, stats());
    }
    StatsReport stats() const override {
        StatsReport report = worker_.stats();
        if (detection_) detection_->append_stats(report);
        return report;
    }

private:
    std::optional<policy::DetectionStage> detection_;
    pipeline::Worker worker_;
    StatsPublisher publish_;
    metrics::PublishClock publish_clock_;
    std::uint64_t packets_ = 0;
};

}  // namespace

std::optional<policy::DetectionStage> detection_stage_for(const policy::Detection* detection, record::ContactSink& next,
                                                          behaviour::Engine* behaviour, lists::LearnedList* learned) {
    if (detection == nullptr) return std::nullopt;
    std::optional<policy::DetectionStage> stage(std::in_place, detection->detector, detection->policy, next,
                                                &detection->behaviour, &detection->behaviour_overrides);
    stage->set_behaviour(behaviour);
    stage->set_learned(learned);
    return stage;
}

record::ContactSink& first_sink_of(std::optional<policy::DetectionStage>& stage, record::ContactSink& output) {
    return stage ? static_cast<record::ContactSink&>(*stage) : output;
}

record::ContactDecider* decider_of(std::optional<policy::DetectionStage>& stage) { return stage ? &*stage : nullptr; }

std::unique_ptr<ReplayPipeline> make_single_pipeline(const pipeline::PipelineConfig& config, const policy::Detection* detection,
                                                     behaviour::Engine* behaviour, lists::LearnedList* learned, record::ContactSink& output, Logger& log,
                                                     StatsPublisher publish) {
    return std::make_unique<SinglePipeline>(config, detection, behaviour, learned, output, log, std::move(publish));
}

policy::Detection load_detection(const AppConfig& config, const std::vector<detect::Trunk>& extra_trunks, Logger& log) {
    auto settings = config.resolved_detection();
    settings.trunks.insert(settings.trunks.begin(), extra_trunks.begin(), extra_trunks.end());
    try {
        auto detector = detect::Detector::load(settings, [&](const std::string& warning) { log.warn("{}", warning); });
        auto policy = policy::load_policy(config.resolved_policy_path(), policy::known_check_names());
        // Resolved against the detector's trunks, command-line ones included; part of the set a
        // reload swaps, so a bad override leaves the old set in force.
        auto overrides = resolve_behaviour_overrides(config, detector.trunks());
        return policy::Detection{std::move(detector), std::move(policy), config.behaviour, std::move(overrides)};
    } catch (const detect::DetectError& e) {
        throw ConfigError(e.what());
    } catch (const policy::PolicyError& e) {
        throw ConfigError(e.what());
    }
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
    std::vector<std::string> files;
    for (const auto& input : inputs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(input, ec)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(input, ec)) {
            if (entry.is_regular_file() && is_capture_file(entry.path())) found.push_back(entry.path().string());
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

int run_replay(const AppConfig& config, const ReplayOptions& options, std::ostream& out, Logger& log) {
    const std::string events_path = options.events_path.empty() ? config.events_path : options.events_path;
    const output::EventOptions event_options{config.redact_text || options.redact_text};
    // output.redis_stream: every line the writer writes is queued to the stream as well (without a
    // file, the writer writes to the stream only). Declared first: the writer's tap points to it.
    std::optional<redis::EventStream> stream;
    if (config.event_stream.enabled()) stream.emplace(config.event_stream, log);
    std::optional<output::JsonlWriter> events;
    if (!events_path.empty() || stream) events.emplace(events_path, out, event_options);  // throws with the path on failure
    if (stream) events->tap_lines([&stream](std::string_view line) { stream->add(line); });

    output::SummaryTable table(event_options);
    output::FanOut sinks;
    if (events) sinks.add(*events);
    const bool show_table = events_path.empty() && options.stats == StatsFormat::none;
    if (show_table) sinks.add(table);

    const std::size_t workers = config.workers.resolve();
    // --metrics: the workers publish their counters to the board; the endpoint sums them with the
    // process's own (behaviour, the Redis stream: atomics). Declared before the pipeline, so the
    // server (declared after it) stops first.
    std::optional<metrics::StatsBoard> board;
    StatsPublisher publish;
    if (options.metrics) {
        board.emplace(workers);
        publish = [&board](std::size_t worker, StatsReport report) { board->publish(worker, std::move(report)); };
    }
    const ShardedOutput sharded_output{events ? &*events : nullptr, show_table ? &table : nullptr};
    auto pipeline = workers > 1 ? make_sharded_pipeline(config.pipeline, options.detection, options.behaviour, options.learned,
                                                        sharded_output, workers, log, publish)
                                : make_single_pipeline(config.pipeline, options.detection, options.behaviour, options.learned,
                                                       sinks, log, publish);
    std::unique_ptr<metrics::MetricsServer> server;
    if (options.metrics) {
        std::string error;
        server = metrics::MetricsServer::start(
            *options.metrics,
            [&board, &options, &stream, version = options.version, workers] {
                StatsReport stats = board->sum();
                if (workers > 1) stats.set("workers", workers);
                if (options.behaviour) options.behaviour->append_stats(stats);
                if (stream) stream->append_stats(stats);
                return metrics::render(stats, metrics::BuildInfo{version});
            },
            error);
        if (!server) throw std::runtime_error("metrics: " + error);
        log.info("metrics: serving http://{}/metrics until the replay ends", server->address());
    }
    FileCounters counters;
    const auto files = expand_inputs(options.inputs);
    for (const auto& file : files) {
        replay_file(file, *pipeline, counters, log);
        if (!options.join) pipeline->end_source();
    }
    if (options.join) pipeline->end_source();
    pipeline->finish();
    if (events) events->flush();
    if (stream) stream->close();  // sends what is queued, for a bounded time (fail-open)

    StatsReport stats = pipeline->stats();
    if (options.behaviour) options.behaviour->append_stats(stats);
    if (stream) stream->append_stats(stats);
    if (options.learned_sync) {
        options.learned_sync->close();  // what the replay learned reaches Redis before the stats (bounded)
        options.learned_sync->append_stats(stats);
    }
    stats.set("capture.files", counters.files);
    stats.set("capture.unreadable_files", counters.unreadable);
    stats.set("capture.unsupported_files", counters.unsupported);
    stats.set("capture.truncated_files", counters.truncated);

    if (show_table) table.print(out, stats);
    if (options.stats == StatsFormat::json) out << output::to_json(stats).dump() << '\n';
    if (options.stats == StatsFormat::text) {
        for (const auto& [name, value] : stats.values()) out << name << ' ' << value << '\n';
    }
    out.flush();
    return counters.unreadable + counters.unsupported > 0 ? 1 : 0;
}

}  // namespace scamgate::app
