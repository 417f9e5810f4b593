#include "detect/engine.h"

#include <hs/hs.h>
#include <xxhash.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace scamgate::detect {

namespace {

bool is_ascii(std::string_view data) {
    return std::all_of(data.begin(), data.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Whole words: a word boundary on both sides, so "khoa" is not found in "khoan". Patterns run
// without HS_FLAG_UCP (Hyperscan refuses \b in UCP mode), so \w and \b are ASCII: right for the
// folded and deobfuscated views, where Vietnamese letters have become ASCII.
std::string word_wrapped(std::string_view pattern) { return fmt::format("\\b(?:{})\\b", pattern); }

std::string escape_literal(std::string_view literal) {
    std::string out;
    for (char c : literal) {
        if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

// How a group's regexes are compiled: for UTF-8 text (every input), or for bytes (ASCII input).
enum class Encoding : std::uint8_t { utf8, ascii };

unsigned regex_flags(const Signature& s, Encoding encoding) {
    unsigned flags = HS_FLAG_SINGLEMATCH;
    if (encoding == Encoding::utf8) flags |= HS_FLAG_UTF8;
    if (s.caseless) flags |= HS_FLAG_CASELESS;
    if (s.dotall) flags |= HS_FLAG_DOTALL;
    return flags;
}

// Whether `expression`, compiled without HS_FLAG_UTF8, matches exactly the pure ASCII inputs it
// matches in UTF-8 mode. In ASCII input every character is one byte, and UTF-8 encodes every
// non-ASCII character with bytes >= 0x80 only, so a pattern element that names non-ASCII
// characters (a literal or a class member) matches no ASCII byte in either mode, and a negated
// class or '.' matches the same ASCII bytes; \w, \s, \d and \b are ASCII in both (no
// HS_FLAG_UCP). Left out, to stay on the safe side: Unicode case folding (caseless, the KELVIN
// SIGN or the long s match 'k' and 's' in UTF-8 mode only), so a caseless pattern that names a
// non-ASCII character; and escapes whose meaning depends on the mode (\p, \P, \X, \N, \o, \x).
bool ascii_equivalent(const Signature& s, std::string_view expression) {
    for (std::size_t i = 0; i < expression.size(); ++i) {
        const auto c = static_cast<unsigned char>(expression[i]);
        if (c >= 0x80 && s.caseless) return false;
        if (c != '\\' || i + 1 == expression.size()) continue;
        if (std::string_view("pPXNox").find(expression[i + 1]) != std::string_view::npos) return false;
        ++i;  // the escaped character is taken as it is ("\\p" is a backslash and a 'p')
    }
    return true;
}

struct Group {
    std::vector<std::uint32_t> indexes;  // into the signature vector
    bool all_literal = true;
    bool ascii_equivalent = true;  // every regex matches ASCII input alike without HS_FLAG_UTF8
};

std::string cache_key(const Group& group, Encoding encoding, const std::vector<Signature>& signatures) {
    XXH3_state_t* state = XXH3_createState();
    XXH3_128bits_reset(state);
    auto add = [&](std::string_view text) {
        XXH3_128bits_update(state, text.data(), text.size());
        XXH3_128bits_update(state, "\0", 1);
    };
    add(hs_version());
    // Databases are built for this CPU; a cache copied to another machine must not be reused there.
    hs_platform_info_t platform{};
    hs_populate_platform(&platform);
    add(fmt::format("{}:{}", platform.tune, platform.cpu_features));
    add(group.all_literal ? "lit" : encoding == Encoding::utf8 ? "re" : "re-ascii");
    for (auto i : group.indexes) {
        const auto& s = signatures[i];
        add(s.literal && group.all_literal ? s.pattern : hyperscan_expression(s));
        add(fmt::format("{}:{}:{}:{}", i, s.caseless, s.dotall, s.word));
    }
    const auto hash = XXH3_128bits_digest(state);
    XXH3_freeState(state);
    return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

[[noreturn]] void rejected(const Signature& s, const char* message) {
    throw EngineError(fmt::format("{}:{}: signature {} ({}): Hyperscan rejected the pattern: {}; fix or remove it",
                                  s.file, s.line, s.id, s.name, message));
}

hs_database_t* compile_group(const Group& group, Encoding encoding, const std::vector<Signature>& signatures) {
    std::vector<std::string> expressions;
    std::vector<const char*> pointers;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    std::vector<std::size_t> lengths;
    for (auto i : group.indexes) {
        const auto& s = signatures[i];
        expressions.push_back(group.all_literal ? s.pattern : hyperscan_expression(s));
        flags.push_back(group.all_literal ? (HS_FLAG_SINGLEMATCH | (s.caseless ? HS_FLAG_CASELESS : 0))
                                          : regex_flags(s, encoding));
        ids.push_back(i);
        lengths.push_back(expressions.back().size());
    }
    for (const auto& e : expressions) pointers.push_back(e.c_str());
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    const auto count = static_cast<unsigned>(pointers.size());
    const hs_error_t rc =
        group.all_literal
            ? hs_compile_lit_multi(pointers.data(), flags.data(), ids.data(), lengths.data(), count, HS_MODE_BLOCK, nullptr, &db, &error)
            : hs_compile_multi(pointers.data(), flags.data(), ids.data(), count, HS_MODE_BLOCK, nullptr, &db, &error);
    if (rc != HS_SUCCESS) {
        const std::string message = error ? error->message : "unknown error";
        const int which = error ? error->expression : -1;
        hs_free_compile_error(error);
        if (which >= 0) rejected(signatures[group.indexes[static_cast<std::size_t>(which)]], message.c_str());
        throw EngineError("Hyperscan could not compile the signature database: " + message);
    }
    return db;
}

hs_database_t* read_cached(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    // One bulk copy: a byte-by-byte istreambuf_iterator read cost 1.7 s per start in the
    // sanitizer build (the database is megabytes), which every script test pays per process.
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = std::move(buffer).str();
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
    return db;
}

void write_cached(const std::filesystem::path& path, const hs_database_t* db,
                  const std::function<void(const std::string&)>& warn) {
    char* bytes = nullptr;
    std::size_t length = 0;
    if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    // A name of its own per process: two loads may fill the cache at once.
    const auto tmp = fmt::format("{}.{}.tmp", path.string(), ::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes, static_cast<std::streamsize>(length));
        if (!out && warn) warn(fmt::format("cannot write the signature cache {}; compiling on every load", tmp));
    }
    std::free(bytes);  // hs_serialize_database allocates with the misc allocator (malloc)
    std::filesystem::rename(tmp, path, ec);  // atomic: a concurrent reader sees the old or the new file
}

}  // namespace

std::string hyperscan_expression(const Signature& s) {
    const std::string body = s.literal ? escape_literal(s.pattern) : s.pattern;
    return s.word ? word_wrapped(body) : body;
}

void Scratch::Deleter::operator()(hs_scratch* s) const { hs_free_scratch(s); }
Scratch::Scratch() = default;
Scratch::~Scratch() = default;
Scratch::Scratch(Scratch&&) noexcept = default;
Scratch& Scratch::operator=(Scratch&&) noexcept = default;

void SignatureEngine::DbDeleter::operator()(hs_database* db) const { hs_free_database(db); }
SignatureEngine::SignatureEngine() = default;
SignatureEngine::SignatureEngine(SignatureEngine&&) noexcept = default;
SignatureEngine& SignatureEngine::operator=(SignatureEngine&&) noexcept = default;
SignatureEngine::~SignatureEngine() = default;

namespace {

// One compiled database of a group, read from the cache when it holds one; sets `compiled` when
// Hyperscan had to build it.
hs_database_t* database_for(const Group& group, Encoding encoding, const std::vector<Signature>& signatures,
                            const EngineOptions& options, const std::function<void(const std::string&)>& warn,
                            bool& compiled) {
    std::filesystem::path cached;
    if (!options.cache_dir.empty()) {
        cached = std::filesystem::path(options.cache_dir) / (cache_key(group, encoding, signatures) + ".hsdb");
        if (hs_database_t* db = read_cached(cached)) return db;
    }
    hs_database_t* db = compile_group(group, encoding, signatures);
    compiled = true;
    if (!cached.empty()) write_cached(cached, db, warn);
    return db;
}

}  // namespace

SignatureEngine SignatureEngine::build(std::vector<Signature> signatures, const EngineOptions& options,
                                       const std::function<void(const std::string&)>& warn) {
    SignatureEngine engine;
    engine.signatures_ = std::move(signatures);
    std::array<Group, static_cast<std::size_t>(Field::count_)> groups;
    for (std::uint32_t i = 0; i < engine.signatures_.size(); ++i) {
        const auto& s = engine.signatures_[i];
        auto& group = groups[static_cast<std::size_t>(s.field)];
        group.indexes.push_back(i);
        // The literal API has no word boundaries, dotall or UTF-8 classes: such literals go as regexes.
        if (!s.literal || s.word) group.all_literal = false;
        if (!ascii_equivalent(s, hyperscan_expression(s))) group.ascii_equivalent = false;
    }
    for (std::size_t f = 0; f < groups.size(); ++f) {
        const Group& group = groups[f];
        if (group.indexes.empty()) continue;
        ++engine.info_.databases;
        if (group.all_literal) ++engine.info_.literal_databases;
        // A field counts as compiled when any of its databases was; from the cache when all were.
        bool compiled = false;
        engine.databases_[f].reset(database_for(group, Encoding::utf8, engine.signatures_, options, warn, compiled));
        if (!group.all_literal && group.ascii_equivalent) {
            // Only a faster path: if Hyperscan refuses the byte-mode copy, ASCII input takes the
            // UTF-8 database like any other.
            try {
                engine.ascii_databases_[f].reset(database_for(group, Encoding::ascii, engine.signatures_, options, warn, compiled));
                ++engine.info_.ascii_databases;
            } catch (const EngineError&) {
                engine.ascii_databases_[f].reset();
            }
        }
        ++(compiled ? engine.info_.compiled : engine.info_.from_cache);
    }
    return engine;
}

Scratch SignatureEngine::make_scratch() const {
    Scratch scratch;
    hs_scratch_t* raw = nullptr;
    for (const auto* set : {&databases_, &ascii_databases_}) {
        for (const auto& db : *set) {
            if (db && hs_alloc_scratch(db.get(), &raw) != HS_SUCCESS) {
                hs_free_scratch(raw);
                throw EngineError("Hyperscan could not allocate scratch space");
            }
        }
    }
    scratch.scratch_.reset(raw);
    return scratch;
}

bool SignatureEngine::has_field(Field field) const { return databases_[static_cast<std::size_t>(field)] != nullptr; }

void SignatureEngine::scan(Field field, std::string_view data, Scratch& scratch, std::vector<std::uint32_t>& hits) const {
    const auto f = static_cast<std::size_t>(field);
    const auto& db = ascii_databases_[f] && is_ascii(data) ? ascii_databases_[f] : databases_[f];
    if (!db || !scratch.scratch_) return;
    auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* context) -> int {
        static_cast<std::vector<std::uint32_t>*>(context)->push_back(id);
        return 0;
    };
    hs_scan(db.get(), data.data(), static_cast<unsigned>(data.size()), 0, scratch.scratch_.get(), on_match, &hits);
}

}  // namespace scamgate::detect
