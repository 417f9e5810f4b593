// Reads a numbering plan from YAML and validates all of it before anything is returned. Every
// error names the file and line of the offending node and says what to do.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "phone/plan.h"

namespace scamgate::phone {

NumberingPlan make_plan(NumberingPlan::Data data) { return NumberingPlan(std::move(data)); }

namespace {

constexpr std::size_t kMaxEntries = 100000;  // ranges or short codes in one plan
constexpr std::size_t kMaxTextField = 128;   // operator, area, country

struct TypeName {
    std::string_view name;
    NumberType type;
};
constexpr std::array<TypeName, 8> kTypes{{{"mobile", NumberType::mobile},
                                          {"fixed", NumberType::fixed},
                                          {"service", NumberType::service},
                                          {"premium", NumberType::premium},
                                          {"emergency", NumberType::emergency},
                                          {"short_code", NumberType::short_code},
                                          {"voip", NumberType::voip},
                                          {"m2m", NumberType::m2m}}};

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Error context: the file name and the line of a node.
class Reader {
public:
    explicit Reader(const std::string& source) : source_(source) {}

    int line(const YAML::Node& n) const { return std::max(1, n.Mark().line + 1); }

    [[noreturn]] void fail(const YAML::Node& n, const std::string& what) const { fail_at(line(n), what); }
    [[noreturn]] void fail_at(int line_number, const std::string& what) const {
        throw PlanError(fmt::format("{}:{}: {}", source_, line_number, what));
    }

    void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                    std::string_view where) const;
    std::string text(const YAML::Node& n, std::string_view key) const;
    std::string digits(const YAML::Node& n, std::string_view key, std::size_t min, std::size_t max) const;
    std::vector<std::uint8_t> lengths(const YAML::Node& n, std::string_view key, std::size_t max) const;
    NumberType type(const YAML::Node& n) const;

private:
    const std::string& source_;
};

std::string join(std::initializer_list<std::string_view> words) {
    std::string out;
    for (auto w : words) {
        if (!out.empty()) out += ", ";
        out += w;
    }
    return out;
}

void Reader::check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                        std::string_view where) const {
    std::vector<std::pair<std::string, int>> seen;
    for (const auto& kv : map) {
        const std::string key = kv.first.Scalar();
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            fail(kv.first, fmt::format("unknown key '{}' in {}; known keys: {}", key, where, join(known)));
        }
        const auto earlier = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
        if (earlier != seen.end()) {
            fail(kv.first, fmt::format("'{}' is given twice in {} (first at line {}); keep one", key, where,
                                       earlier->second));
        }
        seen.emplace_back(key, line(kv.first));
    }
}

std::string Reader::text(const YAML::Node& n, std::string_view key) const {
    if (!n.IsScalar()) fail(n, fmt::format("'{}' must be a text value; quote it, e.g. \"Ha Noi\"", key));
    if (n.Scalar().size() > kMaxTextField) {
        fail(n, fmt::format("'{}' is longer than {} characters; shorten it", key, kMaxTextField));
    }
    return n.Scalar();
}

std::string Reader::digits(const YAML::Node& n, std::string_view key, std::size_t min, std::size_t max) const {
    if (!n.IsScalar()) fail(n, fmt::format("'{}' is not a string of digits; write e.g. \"84\"", key));
    const std::string& s = n.Scalar();
    if (!all_digits(s) || s.size() < min || s.size() > max) {
        fail(n, fmt::format("'{}' is '{}'; write {} to {} digits 0-9 in quotes", key, s, min, max));
    }
    return s;
}

std::vector<std::uint8_t> Reader::lengths(const YAML::Node& n, std::string_view key, std::size_t max) const {
    if (!n.IsSequence() || n.size() == 0) {
        fail(n, fmt::format("'{}' is not a list of digit counts; write e.g. [9, 10]", key));
    }
    std::vector<std::uint8_t> out;
    for (const auto& item : n) {
        const std::string& s = item.IsScalar() ? item.Scalar() : std::string();
        const bool ok = !s.empty() && s.size() <= 2 && all_digits(s) && std::stoul(s) >= 1 && std::stoul(s) <= max;
        if (!ok) fail(item, fmt::format("'{}' holds '{}'; use digit counts 1..{}", key, s, max));
        out.push_back(static_cast<std::uint8_t>(std::stoul(s)));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

NumberType Reader::type(const YAML::Node& n) const {
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    for (const auto& t : kTypes) {
        if (t.name == s) return t.type;
    }
    fail(n, fmt::format("'type' is '{}'; use mobile, fixed, service, premium, emergency, short_code, voip or m2m", s));
}

const YAML::Node required(const Reader& r, const YAML::Node& map, std::string_view key, std::string_view hint) {
    YAML::Node n = map[std::string(key)];
    if (!n) r.fail(map, fmt::format("'{}' is missing; add it, e.g. {}", key, hint));
    return n;
}

void check_length_fits_prefix(const Reader& r, const YAML::Node& n, const NumberRange& range) {
    if (range.lengths.front() < range.prefix.size()) {
        r.fail(n, fmt::format("length {} is shorter than prefix '{}'; fix 'lengths' or the prefix",
                              range.lengths.front(), range.prefix));
    }
}

NumberRange read_range(const Reader& r, const YAML::Node& n, const NumberingPlan::Data& plan) {
    if (!n.IsMap()) r.fail(n, "a range is not a mapping; write it like {prefix: \"86\", type: mobile}");
    r.check_keys(n, {"prefix", "type", "lengths", "operator", "area"}, "a range");
    const std::size_t max_nsn = kMaxE164Digits - plan.country_code.size();
    NumberRange range;
    range.line = r.line(n);
    range.prefix = r.digits(required(r, n, "prefix", "prefix: \"86\""), "prefix", 1, max_nsn);
    range.type = r.type(required(r, n, "type", "type: mobile"));
    range.lengths = n["lengths"] ? r.lengths(n["lengths"], "lengths", max_nsn) : plan.national_lengths;
    if (n["operator"]) range.operator_name = r.text(n["operator"], "operator");
    if (n["area"]) range.area = r.text(n["area"], "area");
    check_length_fits_prefix(r, n, range);
    return range;
}

NumberRange read_short_code(const Reader& r, const YAML::Node& n) {
    if (!n.IsMap()) r.fail(n, "a short code is not a mapping; write it like {number: \"113\", type: emergency}");
    r.check_keys(n, {"number", "prefix", "lengths", "type", "operator"}, "a short code");
    NumberRange code;
    code.line = r.line(n);
    if (n["number"] && (n["prefix"] || n["lengths"])) {
        r.fail(n, "a short code has either 'number' or 'prefix' with 'lengths'; remove one");
    }
    if (n["number"]) {
        code.prefix = r.digits(n["number"], "number", 1, kMaxE164Digits);
        code.lengths = {static_cast<std::uint8_t>(code.prefix.size())};
    } else {
        code.prefix = r.digits(required(r, n, "prefix", "prefix: \"9\""), "prefix", 1, kMaxE164Digits);
        code.lengths = r.lengths(required(r, n, "lengths", "lengths: [4]"), "lengths", kMaxE164Digits);
    }
    code.type = r.type(required(r, n, "type", "type: short_code"));
    if (n["operator"]) code.operator_name = r.text(n["operator"], "operator");
    check_length_fits_prefix(r, n, code);
    return code;
}

// Sorted, a prefix that starts another sorts right before one of the numbers it starts (anything
// between them starts with it too), so checking neighbours finds every overlap.
void check_prefix_free(const Reader& r, std::vector<NumberRange>& table, std::string_view what) {
    std::sort(table.begin(), table.end(), [](const NumberRange& a, const NumberRange& b) {
        return a.prefix != b.prefix ? a.prefix < b.prefix : a.line < b.line;
    });
    for (std::size_t i = 1; i < table.size(); ++i) {
        const NumberRange& a = table[i - 1];
        const NumberRange& b = table[i];
        if (!b.prefix.starts_with(a.prefix)) continue;
        const NumberRange& later = a.line > b.line ? a : b;
        const NumberRange& earlier = a.line > b.line ? b : a;
        if (a.prefix == b.prefix) {
            r.fail_at(later.line, fmt::format("{} '{}' duplicates line {}; remove one of them", what, later.prefix,
                                              earlier.line));
        }
        r.fail_at(later.line, fmt::format("{} '{}' overlaps '{}' at line {}; prefixes must not start one another, "
                                          "so split the shorter one into longer prefixes",
                                          what, later.prefix, earlier.prefix, earlier.line));
    }
}

template <typename ReadOne>
std::vector<NumberRange> read_table(const Reader& r, const YAML::Node& n, std::string_view key, ReadOne read_one) {
    if (!n.IsSequence()) r.fail(n, fmt::format("'{}' is not a list; write one entry per '- ' line", key));
    if (n.size() > kMaxEntries) r.fail(n, fmt::format("'{}' has more than {} entries; split the plan", key, kMaxEntries));
    std::vector<NumberRange> table;
    table.reserve(n.size());
    for (const auto& item : n) table.push_back(read_one(item));
    return table;
}

std::vector<std::string> read_international_prefixes(const Reader& r, const YAML::Node& n) {
    if (!n.IsSequence()) r.fail(n, "'international_prefixes' is not a list; write e.g. [\"00\"]");
    std::vector<std::string> out;
    for (const auto& item : n) out.push_back(r.digits(item, "international_prefixes", 1, 6));
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    return out;
}

void read_header(const Reader& r, const YAML::Node& root, NumberingPlan::Data& plan) {
    r.check_keys(root, {"country", "country_code", "trunk_prefix", "international_prefixes", "national_lengths",
                        "ranges", "short_codes"},
                 "the numbering plan");
    const YAML::Node country = required(r, root, "country", "country: VN");
    plan.country = r.text(country, "country");
    const bool iso = plan.country.size() == 2 &&
                     std::all_of(plan.country.begin(), plan.country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!iso) r.fail(country, fmt::format("'country' is '{}'; use the ISO 3166 two-letter code, e.g. VN", plan.country));
    plan.country_code = r.digits(required(r, root, "country_code", "country_code: \"84\""), "country_code", 1, 3);
    if (plan.country_code.front() == '0') r.fail(root["country_code"], "'country_code' cannot start with 0; drop it");
    if (root["trunk_prefix"]) {
        const YAML::Node t = root["trunk_prefix"];
        plan.trunk_prefix = t.IsScalar() && t.Scalar().empty() ? std::string() : r.digits(t, "trunk_prefix", 1, 3);
    }
    if (root["international_prefixes"]) {
        plan.international_prefixes = read_international_prefixes(r, root["international_prefixes"]);
    }
    plan.national_lengths = r.lengths(required(r, root, "national_lengths", "national_lengths: [9, 10]"),
                                      "national_lengths", kMaxE164Digits - plan.country_code.size());
}

NumberingPlan build(const YAML::Node& root, const std::string& source) {
    const Reader r(source);
    if (!root.IsMap()) r.fail(root, "a numbering plan must be a mapping of keys; start from config/numbering/vn.yaml");
    NumberingPlan::Data plan;
    plan.source = source;
    read_header(r, root, plan);
    plan.ranges = read_table(r, required(r, root, "ranges", "ranges: [{prefix: \"9\", type: mobile}]"), "ranges",
                             [&](const YAML::Node& n) { return read_range(r, n, plan); });
    if (root["short_codes"]) {
        plan.short_codes = read_table(r, root["short_codes"], "short_codes",
                                      [&](const YAML::Node& n) { return read_short_code(r, n); });
    }
    check_prefix_free(r, plan.ranges, "range prefix");
    check_prefix_free(r, plan.short_codes, "short code");
    return make_plan(std::move(plan));
}

}  // namespace

NumberingPlan parse_plan(std::string_view yaml, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        throw PlanError(fmt::format("{}:{}: YAML syntax error: {}; correct the YAML", source, e.mark.line + 1, e.msg));
    }
    try {
        return build(root, source);
    } catch (const YAML::Exception& e) {  // a node of an unexpected kind deep inside
        throw PlanError(fmt::format("{}:{}: {}; check the plan against docs/numbering.md", source, e.mark.line + 1,
                                    e.msg));
    }
}

NumberingPlan load_plan(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PlanError(fmt::format("{}: cannot open the numbering plan; check the path", path));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_plan(text.str(), path);
}

}  // namespace scamgate::phone
