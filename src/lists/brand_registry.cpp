#include "lists/brand_registry.h"

#include <fmt/format.h>

#include <algorithm>

namespace scamgate::lists {

namespace {

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

// "MB   Bank" -> "mb bank": lowercase, inner whitespace runs made one space.
std::string fold_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (is_space(c)) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(to_lower(c));
        }
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::vector<std::string> split_accounts(const std::string& source, const ListLine& line, std::string_view field) {
    std::vector<std::string> accounts;
    std::size_t start = 0;
    while (start <= field.size()) {
        const std::size_t comma = std::min(field.find(',', start), field.size());
        const std::string_view account = field.substr(start, comma - start);
        if (account.empty()) fail(source, line.line, "an empty account name (two commas in a row?); remove it");
        if (account.size() > BrandRegistry::kMaxAccount) {
            fail(source, line.line, fmt::format("account '{}' is longer than an SMPP system_id ({} characters)",
                                                account, BrandRegistry::kMaxAccount));
        }
        accounts.emplace_back(account);
        start = comma + 1;
    }
    std::sort(accounts.begin(), accounts.end());
    accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
    return accounts;
}

BrandRegistry::Brand parse_brand(const std::string& source, const ListLine& line) {
    if (line.rest.empty()) {
        fail(source, line.line, fmt::format("'{}' has no accounts; write NAME ACCOUNT[,ACCOUNT...], "
                                            "e.g. VCB esme-vcb", line.entry));
    }
    std::string_view rest = line.rest;
    std::size_t last = rest.size();
    while (last > 0 && !is_space(rest[last - 1])) --last;
    const std::string_view accounts = rest.substr(last);
    BrandRegistry::Brand brand;
    brand.name = fold_name(std::string(line.entry) + " " + std::string(rest.substr(0, last)));
    if (brand.name.size() > BrandRegistry::kMaxName) {
        fail(source, line.line, fmt::format("sender name '{}' is longer than {} characters; no SMS can carry it",
                                            brand.name, BrandRegistry::kMaxName));
    }
    brand.accounts = split_accounts(source, line, accounts);
    brand.line = line.line;
    return brand;
}

}  // namespace

BrandRegistry BrandRegistry::load(const std::string& path) {
    std::vector<Brand> brands;
    for_each_line(path, [&](const ListLine& line) { brands.push_back(parse_brand(path, line)); });
    return build(std::move(brands), path);
}

BrandRegistry BrandRegistry::from(std::vector<std::string> lines) {
    std::vector<Brand> brands;
    const std::string source = "(brands)";
    for_each_item(lines, source, [&](const ListLine& line) { brands.push_back(parse_brand(source, line)); });
    return build(std::move(brands), source);
}

BrandRegistry BrandRegistry::build(std::vector<Brand> brands, const std::string& source) {
    std::sort(brands.begin(), brands.end(), [](const Brand& a, const Brand& b) {
        return a.name != b.name ? a.name < b.name : a.line < b.line;
    });
    for (std::size_t i = 1; i < brands.size(); ++i) {
        if (brands[i].name == brands[i - 1].name) {
            fail(source, brands[i].line, fmt::format("sender name '{}' is already registered at line {}; put all "
                                                     "its accounts on one line", brands[i].name, brands[i - 1].line));
        }
    }
    BrandRegistry registry;
    registry.brands_ = std::move(brands);
    return registry;
}

const BrandRegistry::Brand* BrandRegistry::find(std::string_view sender) const {
    if (sender.empty() || sender.size() > kMaxName) return nullptr;
    std::string name(sender);  // only case is folded: "VCB " is not "VCB"
    std::transform(name.begin(), name.end(), name.begin(), to_lower);
    const auto it = std::lower_bound(brands_.begin(), brands_.end(), name,
                                     [](const Brand& b, const std::string& n) { return b.name < n; });
    return it != brands_.end() && it->name == name ? &*it : nullptr;
}

bool BrandRegistry::is_registered(std::string_view sender) const { return find(sender) != nullptr; }

bool BrandRegistry::is_allowed(std::string_view sender, std::string_view account) const {
    const Brand* brand = find(sender);
    return brand != nullptr && std::binary_search(brand->accounts.begin(), brand->accounts.end(), account);
}

}  // namespace scamgate::lists
