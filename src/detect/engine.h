#pragma once
// The signature engine: one Hyperscan block-mode database per field (and per text view), compiled
// once per load from every signature on that field, literal-only sets through Hyperscan's literal
// API. A field's regex set is compiled a second time without HS_FLAG_UTF8 when that gives the same
// matches on pure ASCII input (most folded SMS text, hosts, senders): scanning bytes is cheaper
// than decoding UTF-8, and scan() picks the database by the input. Compiled databases are cached
// on disk under a hash of everything that went into them, so a restart or reload with unchanged
// packs does not recompile. A pattern Hyperscan rejects fails the
// whole build with the pack file, line, id and Hyperscan's message.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "detect/signatures.h"

struct hs_database;
struct hs_scratch;

namespace scamgate::detect {

class EngineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct EngineOptions {
    std::string cache_dir;  // empty: no cache
};

struct EngineBuildInfo {
    std::size_t databases = 0;
    std::size_t compiled = 0;    // databases built by Hyperscan in this load
    std::size_t from_cache = 0;  // databases read from the cache
    std::size_t literal_databases = 0;
    std::size_t ascii_databases = 0;  // fields whose regexes also have a byte-mode copy for ASCII input
};

// Per-thread matching state; allocate one per thread from the engine it will scan with.
class Scratch {
public:
    Scratch();
    ~Scratch();
    Scratch(Scratch&&) noexcept;
    Scratch& operator=(Scratch&&) noexcept;

private:
    friend class SignatureEngine;
    struct Deleter {
        void operator()(hs_scratch* s) const;
    };
    std::unique_ptr<hs_scratch, Deleter> scratch_;
};

class SignatureEngine {
public:
    // Throws EngineError (pattern rejected, cache unusable is only a warning via `warn`).
    static SignatureEngine build(std::vector<Signature> signatures, const EngineOptions& options,
                                 const std::function<void(const std::string&)>& warn = {});
    SignatureEngine();  // no signatures: scans find nothing
    SignatureEngine(SignatureEngine&&) noexcept;
    SignatureEngine& operator=(SignatureEngine&&) noexcept;
    ~SignatureEngine();

    Scratch make_scratch() const;
    // Every signature on `field` matching `data`, as indexes into signatures(), each at most once.
    void scan(Field field, std::string_view data, Scratch& scratch, std::vector<std::uint32_t>& hits) const;
    bool has_field(Field field) const;

    const std::vector<Signature>& signatures() const { return signatures_; }
    const EngineBuildInfo& info() const { return info_; }

private:
    struct DbDeleter {
        void operator()(hs_database* db) const;
    };
    using Database = std::unique_ptr<hs_database, DbDeleter>;

    std::vector<Signature> signatures_;
    std::array<Database, static_cast<std::size_t>(Field::count_)> databases_;
    // Per field, the same patterns compiled for bytes, for ASCII input only; null when the field
    // has no regex set or a pattern could match ASCII differently (see ascii_equivalent()).
    std::array<Database, static_cast<std::size_t>(Field::count_)> ascii_databases_;
    EngineBuildInfo info_;
};

// The Hyperscan expression for a regex signature (word flag applied), exposed for `check` output.
std::string hyperscan_expression(const Signature& signature);

}  // namespace scamgate::detect
