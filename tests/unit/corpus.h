#pragma once
// The third-party corpus (../shared/corpus: captures, labelled SMS, carrier tables) is not part of
// the project and a user's clone does not have it. A test that reads it is declared
//   TEST_CASE("..." * doctest::skip(test_support::corpus_lacks("pcaps/x.pcap")))
// so that without the file it is reported as skipped (by doctest and by ctest), never as passed.
// SCAMGATE_CORPUS_DIR in the environment overrides the folder configured at build time, e.g.
// SCAMGATE_CORPUS_DIR=/nonexistent to see the skips on a machine that has the corpus.
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace scamgate::test_support {

inline std::filesystem::path corpus_dir() {
    const char* from_env = std::getenv("SCAMGATE_CORPUS_DIR");
    return (from_env != nullptr && *from_env != '\0') ? from_env : SCAMGATE_CORPUS_DIR;
}

// `relative` below the corpus folder, e.g. "pcaps/zeek-vlan-qinqinq.pcap".
inline std::filesystem::path corpus_path(std::string_view relative) { return corpus_dir() / relative; }

inline bool corpus_lacks(std::string_view relative) { return !std::filesystem::exists(corpus_path(relative)); }

}  // namespace scamgate::test_support
