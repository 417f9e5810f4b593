// The learned-list file parser (lists::parse_learned_text) on any bytes: refused with a
// LearnedListError or parsed; what is parsed and put in a bounded table writes a text that parses
// back to the same entries, the table stays within its bound, and every lookup is safe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lists/learned_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace scamgate::lists;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    constexpr std::int64_t kNow = 1'796'475'204;
    try {
        const auto entries = parse_learned_text(text, "fuzz", kNow, 86400);
        LearnedList list(8, 86400);
        for (const auto& entry : entries) {
            list.add(entry);
            (void)list.contains(entry.key, kNow);
        }
        if (list.size() > 8) std::abort();
        const auto kept = list.entries();
        if (parse_learned_text(learned_text(kept, kNow), "again", kNow, 86400) != kept) std::abort();
        list.prune(kNow);
    } catch (const LearnedListError&) {
    }
    return 0;
}
