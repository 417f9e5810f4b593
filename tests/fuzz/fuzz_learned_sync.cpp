// What Redis answers for the shared learned list (lists::decode_snapshot and the member, meta and
// score parsers) on any bytes: the input is three groups of lines separated by "--" (the entries'
// ZRANGEBYSCORE reply, the tombstones', the meta HGETALL's); a line "*" is a nested array and "~"
// a nil in place of a string. Whatever is decoded stays within the bound, round-trips through its
// encoding, and merges into a bounded table without crossing it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "lists/learned_list.h"
#include "lists/learned_sync.h"

namespace {

using scamgate::redis::Reply;
using scamgate::redis::ReplyType;

Reply element_of(std::string_view line) {
    if (line == "*") return Reply{ReplyType::array, 0, {}, {Reply{ReplyType::string, 0, "x", {}}}};
    if (line == "~") return Reply{};
    return Reply{ReplyType::string, 0, std::string(line), {}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace scamgate::lists;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<Reply> groups(3, Reply{ReplyType::array, 0, {}, {}});
    std::size_t group = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line == "--") {
            if (++group == groups.size()) break;
            continue;
        }
        groups[group].elements.push_back(element_of(line));
        (void)parse_learned_seconds(line);
        if (const auto meta = parse_learned_meta(line)) {
            const auto again = parse_learned_meta(learned_meta(meta->added, meta->by));
            if (!again || again->added != meta->added || again->by != meta->by) std::abort();
        }
    }
    constexpr std::size_t kMax = 16;
    constexpr std::int64_t kTtl = 86400;
    SnapshotAnomalies anomalies;
    const auto snapshot = decode_snapshot(groups[0], groups[1], groups[2], kMax, kTtl, anomalies);
    if (snapshot.entries.size() > kMax || snapshot.tombstones.size() > kMax) std::abort();
    for (const auto& entry : snapshot.entries) {
        const LearnedKey key{entry.key, entry.kind};
        const auto back = parse_learned_member(learned_member(key));
        if (!back || back->key != key.key || back->kind != key.kind) std::abort();
        if (entry.expires < 0 || entry.added < 0) std::abort();
    }
    LearnedList list(8, kTtl);
    const auto counts = apply_snapshot(list, snapshot);
    if (list.size() > 8 || counts.merged + counts.shadowed > snapshot.entries.size()) std::abort();
    return 0;
}
