#pragma once
// Events: one JSON object per line, one per finished Contact. Field names are a contract
// (docs/events.md, tests/schema/events.schema.json): add fields, never rename or remove them.
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/stats.h"
#include "record/contact.h"

namespace scamgate::output {

struct EventOptions {
    // SMS text (and binary user data) replaced by {"length", "xxh3_128"}: equal texts still group
    // together, the words are not written.
    bool redact_text = false;
};

// A packet an inline gate could not parse (`inline.unparsed`): what it was, what was done with it.
struct UnparsedEvent {
    Timestamp ts = 0;
    std::string source;        // the capture source ("nfqueue:8", "eth1,eth2")
    record::Ingress ingress;   // the packet's addresses, ports and transport
    std::string anomaly;       // the parser's anomaly name, e.g. "sip.bad_start_line"
    std::string action;        // inline.unparsed as configured: allow, alert or drop
    bool enforced = false;     // true: the packet was dropped (action drop, UDP, not in monitor mode)
};

nlohmann::json to_json(const record::Contact& contact, const EventOptions& options = {});
nlohmann::json to_json(const UnparsedEvent& event);
nlohmann::json to_json(const StatsReport& report);

// One contact as its JSONL line, newline included: what JsonlWriter writes. Several threads may
// encode at once (replay --workers N encodes on each worker and writes under one lock).
std::string to_jsonl(const record::Contact& contact, const EventOptions& options = {});

// {"length": characters, "xxh3_128": hex}: what a redacted text becomes.
nlohmann::json redacted_text(std::string_view utf8);

// Sees every line a JsonlWriter writes (newline included), e.g. the Redis event stream
// (output.redis_stream, wired by app/ and daemon/: output/ holds no network code). Called where
// the line is written, under the writer's caller's serialisation: must not block.
using LineTap = std::function<void(std::string_view line)>;

// Writes each contact as one JSON line to a file, or to stdout for "-", or only to its tap for "".
class JsonlWriter final : public record::ContactSink {
public:
    // Throws std::runtime_error when the file cannot be opened.
    explicit JsonlWriter(const std::string& path, std::ostream& stdout_stream, EventOptions options = {});
    // Hands every line written from now on to `tap` as well.
    void tap_lines(LineTap tap) { tap_ = std::move(tap); }
    void on_contact(const record::Contact& contact) override;
    // Writes a line made by to_jsonl with this writer's options (the caller serialises writes).
    void write_line(std::string_view line);
    void on_unparsed(const UnparsedEvent& event);
    void flush();
    std::uint64_t written() const { return written_; }
    const EventOptions& options() const { return options_; }

private:
    std::unique_ptr<std::ofstream> file_;
    std::ostream* out_;  // null: lines go to the tap only
    EventOptions options_;
    LineTap tap_;
    std::uint64_t written_ = 0;
};

// Keeps one short row per contact for the human summary printed at the end of a replay.
class SummaryTable final : public record::ContactSink {
public:
    explicit SummaryTable(EventOptions options = {}) : options_(options) {}
    void on_contact(const record::Contact& contact) override;
    void print(std::ostream& out, const StatsReport& stats) const;
    std::size_t rows() const { return rows_.size(); }

private:
    struct Row {
        std::string time;
        std::string kind;
        std::string call_id;
        std::string caller;
        std::string callee;
        std::string ingress;
        std::string outcome;
        std::string verdict;
    };
    std::vector<Row> rows_;
    EventOptions options_;
    bool policy_loaded_ = false;
};

// Hands each contact to several sinks.
class FanOut final : public record::ContactSink {
public:
    void add(record::ContactSink& sink) { sinks_.push_back(&sink); }
    void on_contact(const record::Contact& contact) override {
        for (auto* sink : sinks_) sink->on_contact(contact);
    }

private:
    std::vector<record::ContactSink*> sinks_;
};

}  // namespace scamgate::output
