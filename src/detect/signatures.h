#pragma once
// Signature packs (signatures/*.yaml; schema in docs/signatures.md): what each signature looks at,
// its pattern, score, category and its own examples. Loading validates everything and reports
// FILE:LINE; nothing is half-loaded.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scamgate::detect {

// What a signature is matched against. The SMS text has three views; everything else is one string.
enum class Field : std::uint8_t {
    text_raw,
    text_folded,
    text_deobfuscated,
    url,
    url_host,
    url_domain,
    sender,
    display_name,
    user_agent,
    request_uri_user,
    count_
};

// "text" (with its view), "url", "url_host", ... as written in packs and events.
std::string_view field_name(Field field);
std::string_view view_name(Field field);  // "raw", "folded", "deobfuscated" for text; "" otherwise
bool is_text_field(Field field);

struct SignatureExamples {
    std::vector<std::string> match;
    std::vector<std::string> no_match;
};

struct Signature {
    std::uint32_t id = 0;
    std::string name;
    std::string category;
    int score = 0;
    Field field = Field::text_folded;
    std::string pattern;
    bool literal = false;
    bool caseless = false;
    bool word = false;
    bool dotall = false;
    std::vector<std::string> references;
    SignatureExamples examples;
    std::string pack;
    std::string file;
    int line = 0;  // of the signature's entry in its pack
};

class SignatureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Loads every pack (paths may be globs: "signatures/*.yaml"). Throws SignatureError naming the file,
// line, signature id and what to do (unknown key, missing field, duplicate id across packs, ...).
std::vector<Signature> load_packs(const std::vector<std::string>& patterns);

// Expands globs; plain paths are kept (and fail later if missing). Sorted per pattern.
std::vector<std::string> expand_globs(const std::vector<std::string>& patterns);

}  // namespace scamgate::detect
