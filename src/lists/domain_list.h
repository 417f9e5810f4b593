#pragma once
// A set of domain names matched on whole labels: "example.com" matches "example.com" and
// "a.b.example.com", not "badexample.com". Entries are kept lowercase in one text block ordered by
// a 64-bit hash of each name; a lookup hashes each label suffix of the host, longest first, and
// binary-searches the hashes (no string compares until a hash matches).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lists/key_index.h"
#include "lists/list_file.h"

namespace scamgate::lists {

class DomainList {
public:
    static constexpr std::size_t kMaxName = 253;  // RFC 1035, without the trailing dot
    static constexpr std::size_t kMaxLabel = 63;

    // One domain per line (ASCII or punycode; a leading "*." or "." and a trailing "." are
    // dropped; case is ignored). Throws ListError naming the file and line of a bad entry.
    static DomainList load(const std::string& path);
    static DomainList from(std::vector<std::string> domains);

    // The most specific entry that `host` is or lies under (case and a trailing dot ignored).
    std::optional<std::string_view> match(std::string_view host) const;
    std::size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }

private:
    static DomainList build(std::vector<std::string> names);
    std::string_view entry(std::size_t i) const;
    std::optional<std::size_t> find(std::string_view name) const;  // exact entry

    std::vector<std::uint64_t> hashes_;   // sorted; hashes_[i] is the hash of entry i
    KeyIndex index_;                      // buckets of hashes_
    std::string text_;                    // entries back to back, in hash order
    std::vector<std::uint32_t> offsets_;  // entry i is text_[offsets_[i], offsets_[i + 1])
};

}  // namespace scamgate::lists
