#include "detect/signatures.h"

#include <glob.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace scamgate::detect {

namespace {

struct FieldName {
    Field field;
    std::string_view name;
    std::string_view view;
};

constexpr std::array kFields = {
    FieldName{Field::text_raw, "text", "raw"},
    FieldName{Field::text_folded, "text", "folded"},
    FieldName{Field::text_deobfuscated, "text", "deobfuscated"},
    FieldName{Field::url, "url", ""},
    FieldName{Field::url_host, "url_host", ""},
    FieldName{Field::url_domain, "url_domain", ""},
    FieldName{Field::sender, "sender", ""},
    FieldName{Field::display_name, "display_name", ""},
    FieldName{Field::user_agent, "user_agent", ""},
    FieldName{Field::request_uri_user, "request_uri_user", ""},
};

const std::set<std::string, std::less<>> kSignatureKeys = {"id", "name", "category", "score", "field", "view",
                                                           "regex", "literal", "flags", "references", "examples"};

std::string where(const std::string& file, const YAML::Node& node) {
    return fmt::format("{}:{}", file, node.Mark().line + 1);
}

class PackReader {
public:
    PackReader(std::string file, std::string pack) : file_(std::move(file)), pack_(std::move(pack)) {}

    Signature read(const YAML::Node& node) {
        if (!node.IsMap()) fail(node, "each signature must be a mapping (id, name, category, score, field, regex|literal, ...)");
        for (const auto& entry : node) {
            if (!kSignatureKeys.contains(entry.first.Scalar())) {
                fail(entry.first, fmt::format("unknown key '{}'; known keys: id, name, category, score, field, view, "
                                              "regex, literal, flags, references, examples",
                                              entry.first.Scalar()));
            }
        }
        Signature s;
        s.file = file_;
        s.pack = pack_;
        s.line = node.Mark().line + 1;
        s.id = read_id(node);
        id_ = s.id;
        s.name = required_string(node, "name");
        s.category = required_string(node, "category");
        s.score = read_score(node, s.category);
        s.field = read_field(node);
        read_pattern(node, s);
        read_flags(node, s);
        s.references = string_list(node, "references");
        read_examples(node, s);
        return s;
    }

private:
    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        throw SignatureError(fmt::format("{}: {}{}", where(file_, at), id_ ? fmt::format("signature {}: ", id_) : "",
                                         what));
    }

    const YAML::Node need(const YAML::Node& node, const char* key) const {
        auto value = node[key];
        if (!value) fail(node, fmt::format("missing '{}'", key));
        return value;
    }

    std::string required_string(const YAML::Node& node, const char* key) const {
        auto value = need(node, key);
        if (!value.IsScalar() || value.Scalar().empty()) fail(value, fmt::format("'{}' must be a non-empty string", key));
        return value.Scalar();
    }

    std::uint32_t read_id(const YAML::Node& node) const {
        auto value = need(node, "id");
        try {
            const auto id = value.as<long long>();
            if (id >= 1 && id <= 0xFFFFFFFFll) return static_cast<std::uint32_t>(id);
        } catch (const YAML::Exception&) {
        }
        fail(value, fmt::format("'id' must be an integer 1..4294967295, got '{}'", value.Scalar()));
    }

    // A `notice.*` signature recognises a legitimate notice (a scam warning, a balance change, a
    // one-time code): it adds nothing to the capped sum (score 0), and the score model weighs it
    // (docs/signatures.md, "Notices"). Every other signature is evidence of scam: 1..100.
    int read_score(const YAML::Node& node, std::string_view category) const {
        auto value = need(node, "score");
        const bool notice = category.starts_with("notice.");
        try {
            const auto score = value.as<int>();
            if (notice && score == 0) return score;
            if (!notice && score >= 1 && score <= 100) return score;
        } catch (const YAML::Exception&) {
        }
        fail(value, notice ? fmt::format("'score' of a notice.* signature must be 0, got '{}'", value.Scalar())
                           : fmt::format("'score' must be an integer 1..100, got '{}'", value.Scalar()));
    }

    Field read_field(const YAML::Node& node) const {
        const auto name = required_string(node, "field");
        const std::string view = node["view"] ? node["view"].Scalar() : (name == "text" ? "folded" : "");
        if (node["view"] && name != "text") fail(node["view"], "'view' applies only to field 'text'");
        for (const auto& f : kFields) {
            if (f.name == name && f.view == view) return f.field;
        }
        if (name == "text") fail(node["view"], fmt::format("unknown view '{}'; use raw, folded or deobfuscated", view));
        fail(node["field"], fmt::format("unknown field '{}'; use text, url, url_host, url_domain, sender, display_name, "
                                        "user_agent or request_uri_user",
                                        name));
    }

    void read_pattern(const YAML::Node& node, Signature& s) const {
        const bool regex = static_cast<bool>(node["regex"]);
        const bool literal = static_cast<bool>(node["literal"]);
        if (regex == literal) fail(node, "give exactly one of 'regex' and 'literal'");
        s.literal = literal;
        s.pattern = required_string(node, literal ? "literal" : "regex");
    }

    void read_flags(const YAML::Node& node, Signature& s) const {
        for (const auto& flag : string_list(node, "flags")) {
            if (flag == "caseless") {
                s.caseless = true;
            } else if (flag == "word") {
                s.word = true;
            } else if (flag == "dotall") {
                s.dotall = true;
            } else {
                fail(node["flags"], fmt::format("unknown flag '{}'; use caseless, word or dotall", flag));
            }
        }
    }

    std::vector<std::string> string_list(const YAML::Node& node, const char* key) const {
        std::vector<std::string> out;
        auto value = node[key];
        if (!value) return out;
        if (!value.IsSequence()) fail(value, fmt::format("'{}' must be a list of strings", key));
        for (const auto& item : value) {
            if (!item.IsScalar()) fail(item, fmt::format("'{}' must be a list of strings", key));
            out.push_back(item.Scalar());
        }
        return out;
    }

    void read_examples(const YAML::Node& node, Signature& s) const {
        auto examples = need(node, "examples");
        if (!examples.IsMap()) fail(examples, "'examples' must have 'match' and 'no_match' lists");
        s.examples.match = string_list(examples, "match");
        s.examples.no_match = string_list(examples, "no_match");
        if (s.examples.match.empty()) fail(examples, "'examples.match' needs at least one text the signature must match");
        if (s.examples.no_match.empty()) {
            fail(examples, "'examples.no_match' needs at least one text the signature must not match");
        }
    }

    std::string file_;
    std::string pack_;
    std::uint32_t id_ = 0;
};

std::vector<Signature> load_pack(const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
        throw SignatureError(fmt::format("{}: cannot open the signature pack; check detection.signatures", file));
    } catch (const YAML::ParserException& e) {
        throw SignatureError(fmt::format("{}:{}: YAML syntax error: {}", file, e.mark.line + 1, e.msg));
    }
    if (!root.IsMap() || !root["signatures"] || !root["signatures"].IsSequence()) {
        throw SignatureError(fmt::format("{}:1: a pack needs 'pack' and a 'signatures' list", file));
    }
    const std::string pack = root["pack"] ? root["pack"].Scalar() : "";
    if (pack.empty()) throw SignatureError(fmt::format("{}:1: missing 'pack' (the pack's name)", file));
    std::vector<Signature> out;
    PackReader reader(file, pack);
    for (const auto& node : root["signatures"]) out.push_back(reader.read(node));
    return out;
}

}  // namespace

std::string_view field_name(Field field) { return kFields[static_cast<std::size_t>(field)].name; }
std::string_view view_name(Field field) { return kFields[static_cast<std::size_t>(field)].view; }
bool is_text_field(Field field) { return field <= Field::text_deobfuscated; }

std::vector<std::string> expand_globs(const std::vector<std::string>& patterns) {
    std::vector<std::string> files;
    for (const auto& pattern : patterns) {
        glob_t found{};
        const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found);
        std::vector<std::string> matched;
        if (rc == 0) {
            for (std::size_t i = 0; i < found.gl_pathc; ++i) matched.emplace_back(found.gl_pathv[i]);
        }
        ::globfree(&found);
        if (matched.empty() && pattern.find_first_of("*?[") == std::string::npos) matched.push_back(pattern);
        std::sort(matched.begin(), matched.end());
        files.insert(files.end(), matched.begin(), matched.end());
    }
    return files;
}

std::vector<Signature> load_packs(const std::vector<std::string>& patterns) {
    std::vector<Signature> all;
    std::map<std::uint32_t, const Signature*> by_id;
    std::vector<std::vector<Signature>> packs;
    for (const auto& file : expand_globs(patterns)) packs.push_back(load_pack(file));
    for (auto& pack : packs) {
        for (auto& s : pack) all.push_back(std::move(s));
    }
    for (const auto& s : all) {
        auto [it, inserted] = by_id.emplace(s.id, &s);
        if (!inserted) {
            throw SignatureError(fmt::format("{}:{}: signature id {} is already used at {}:{}; ids are unique across "
                                             "packs and never reused: pick a new one",
                                             s.file, s.line, s.id, it->second->file, it->second->line));
        }
    }
    return all;
}

}  // namespace scamgate::detect
