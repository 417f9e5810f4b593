#pragma once
// Seed inputs for the libFuzzer targets that read builder frames (tests/fuzz/corpus/<target>/):
// fuzz_net_decoder (PPPoE and PPTP frames) and fuzz_sctp (SCTP packets). Regenerate with
// `scamgate-pcapgen fuzz-seeds tests/fuzz/corpus`.
#include <cstddef>
#include <string>

namespace scamgate::pcapgen {

// Writes the seeds under outdir/<target>/; returns how many files were written.
std::size_t write_fuzz_seeds(const std::string& outdir);

}  // namespace scamgate::pcapgen
