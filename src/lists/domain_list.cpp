#include "lists/domain_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace scamgate::lists {

namespace {

// FNV-1a: only orders entries; equal hashes are told apart by comparing the names.
std::uint64_t hash_of(std::string_view s) {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// Empty when `name` is a usable domain, else what is wrong with it.
std::string problem_with(std::string_view name) {
    if (name.find("://") != std::string_view::npos) return "is a URL; keep only the host name";
    if (name.empty()) return "is empty";
    if (name.size() > DomainList::kMaxName) return fmt::format("is longer than {} characters", DomainList::kMaxName);
    for (char c : name) {
        if (static_cast<unsigned char>(c) >= 0x80) return "has non-ASCII characters; write the punycode form (xn--...)";
        if (!is_host_char(c)) return fmt::format("has the character '{}', not allowed in a host name", c);
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::size_t label = dot - start;
        if (label == 0) return "has an empty label (two dots in a row)";
        if (label > DomainList::kMaxLabel) return fmt::format("has a label longer than {} characters", DomainList::kMaxLabel);
        start = dot + 1;
    }
    return {};
}

std::string normalise_entry(const std::string& source, const ListLine& line) {
    std::string name;
    name.reserve(line.entry.size());
    for (char c : line.entry) name.push_back(to_lower(c));
    if (name.starts_with("*.")) name.erase(0, 2);
    if (name.starts_with('.')) name.erase(0, 1);
    if (name.ends_with('.')) name.pop_back();
    if (const std::string problem = problem_with(name); !problem.empty()) {
        fail(source, line.line, fmt::format("'{}' {}; fix or remove the line", line.entry, problem));
    }
    return name;
}

}  // namespace

DomainList DomainList::load(const std::string& path) {
    std::vector<std::string> names;
    for_each_line(path, [&](const ListLine& line) { names.push_back(normalise_entry(path, line)); });
    return build(std::move(names));
}

DomainList DomainList::from(std::vector<std::string> domains) {
    std::vector<std::string> names;
    names.reserve(domains.size());
    const std::string source = "(domains)";
    for_each_item(domains, source, [&](const ListLine& line) { names.push_back(normalise_entry(source, line)); });
    return build(std::move(names));
}

DomainList DomainList::build(std::vector<std::string> names) {
    std::vector<std::pair<std::uint64_t, std::string*>> order;  // (hash, name): sorted, then laid out
    order.reserve(names.size());
    for (auto& n : names) order.emplace_back(hash_of(n), &n);
    std::sort(order.begin(), order.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : *a.second < *b.second; });
    order.erase(std::unique(order.begin(), order.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first && *a.second == *b.second; }),
                order.end());
    DomainList list;
    list.hashes_.reserve(order.size());
    list.offsets_.reserve(order.size() + 1);
    list.offsets_.push_back(0);
    for (const auto& [hash, n] : order) {
        list.hashes_.push_back(hash);
        list.text_ += *n;
        if (list.text_.size() > std::numeric_limits<std::uint32_t>::max()) {
            throw ListError("a domain list above 4 GiB of names; split it");
        }
        list.offsets_.push_back(static_cast<std::uint32_t>(list.text_.size()));
    }
    list.index_.build(list.hashes_);
    return list;
}

std::string_view DomainList::entry(std::size_t i) const {
    return std::string_view(text_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

std::optional<std::size_t> DomainList::find(std::string_view name) const {
    const std::uint64_t hash = hash_of(name);
    const auto [lo, hi] = index_.bucket(hash);
    const auto [first, last] = std::equal_range(hashes_.begin() + static_cast<std::ptrdiff_t>(lo),
                                                hashes_.begin() + static_cast<std::ptrdiff_t>(hi), hash);
    for (auto it = first; it != last; ++it) {
        const auto i = static_cast<std::size_t>(it - hashes_.begin());
        if (entry(i) == name) return i;
    }
    return std::nullopt;
}

std::optional<std::string_view> DomainList::match(std::string_view host) const {
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host.empty() || host.size() > kMaxName || size() == 0) return std::nullopt;
    char buffer[kMaxName];
    std::transform(host.begin(), host.end(), buffer, to_lower);
    const std::string_view name(buffer, host.size());
    for (std::size_t start = 0; start < name.size();) {
        if (const auto i = find(name.substr(start))) return entry(*i);  // the stored copy, not `buffer`
        const std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return std::nullopt;
}

}  // namespace scamgate::lists
