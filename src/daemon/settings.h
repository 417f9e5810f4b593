#pragma once
// What `scamgate run` takes: the capture, daemon and pipeline settings (app/ maps the whole
// configuration onto these; the daemon never sees the rest of it).
#include <cstddef>
#include <string>
#include <vector>

#include "enforce/inline_settings.h"
#include "pipeline/worker.h"
#include "redis/event_stream.h"

namespace scamgate::daemon {

// `scamgate run`: where packets come from (capture.* in scamgate.yaml).
struct CaptureConfig {
    std::vector<std::string> interfaces;  // one libpcap capture each
    std::string mode = "passive";         // passive, nfqueue or bridge (docs/operations.md)
    unsigned queue = 0;                   // NFQUEUE number (nfqueue mode)
    std::size_t snaplen = 65535;          // bytes kept of each frame
    std::size_t buffer_mb = 32;           // kernel ring buffer per interface, MiB
    std::string bpf;                      // empty: built from sip.ports and smpp.ports
    bool promiscuous = false;
    bool active_replies = false;          // passive: inject the SIP response of an enforced reject
};

// Who `scamgate run` becomes once its captures and queue are open (empty user: stays as started).
struct DaemonConfig {
    std::string user;
    std::string group;  // empty: the user's primary group
};

struct RunSettings {
    pipeline::PipelineConfig pipeline;
    std::size_t workers = 1;               // packet threads (pipeline.workers, resolved)
    CaptureConfig capture;
    DaemonConfig daemon;
    enforce::InlineSettings inline_gate;   // inline.*
    std::string events_path;               // JSONL destination: a path, "-" for stdout, empty for none
    bool redact_text = false;              // SMS text in events replaced by its length and a hash
    redis::EventStreamSettings event_stream;  // output.redis_stream*: every event line also to Redis
};

}  // namespace scamgate::daemon
