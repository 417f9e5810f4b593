#pragma once
#include <cstdint>
#include <string>

namespace scamgate {

// Nanoseconds since the Unix epoch. Replay takes time from packet timestamps, so every timeout
// in the pipeline runs on this clock, never on the wall clock: replays are deterministic.
using Timestamp = std::int64_t;

constexpr Timestamp kNanosPerSecond = 1'000'000'000;

constexpr Timestamp seconds(double s) { return static_cast<Timestamp>(s * kNanosPerSecond); }

// RFC 3339 UTC with nanoseconds, e.g. 2026-11-24T00:55:28.123456789Z.
std::string format_rfc3339(Timestamp ts);

}  // namespace scamgate
