#pragma once
// Extraction of URLs, phone numbers and bank account numbers from SMS text, for signatures and
// reputation look-ups. Pure functions over a string_view; offsets are byte offsets into it.
// Bounded: each list stops at its ExtractLimits maximum.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct psl_ctx_st;

namespace scamgate::text {

// The Public Suffix List (libpsl). Immutable once loaded; share one instance between threads.
class PublicSuffixList {
public:
    // Reads a PSL file (Debian: package publicsuffix). Throws std::runtime_error naming the path
    // when it cannot be read or holds no rules. An empty path selects the list compiled into
    // libpsl (psl_builtin()), which may be older than the file.
    static PublicSuffixList load(const std::string& path = "/usr/share/publicsuffix/public_suffix_list.dat");

    // "secure.vcb-online.com.vn" -> "vcb-online.com.vn". `host` is lower-case (UTF-8 or
    // punycode). IP literals, hosts that are a public suffix, and hosts whose top-level label is
    // not in the list give the host itself.
    std::string registrable_domain(std::string_view host) const;

    // Whether `domain` ("com", "com.vn", "top") is a public suffix by an explicit rule of the
    // list. The PSL's implicit "*" rule (any unknown TLD) does not count: "toi" is not one.
    bool is_public_suffix(std::string_view domain) const;

private:
    struct Deleter {
        void operator()(psl_ctx_st* ctx) const;
    };
    explicit PublicSuffixList(std::unique_ptr<psl_ctx_st, Deleter> ctx) : ctx_(std::move(ctx)) {}
    std::unique_ptr<psl_ctx_st, Deleter> ctx_;
};

struct UrlMention {
    std::string found;  // the bytes of the text it came from, trailing punctuation excluded
    // Normalised: scheme (http when none was written; hxxp/hxxps -> http/https), "://", the
    // lower-case host with every disguised dot ("[.]" "(.)" "{.}" " . " "(dot)" "[dot]" and the
    // ideographic and full-width dots) made ".", the port when one was written, then the path,
    // query and fragment as written.
    std::string url;
    // Lower-case; IDN hosts stay UTF-8 (lower-cased, NFC), never converted to punycode here;
    // IPv6 literals keep their brackets.
    std::string host;
    std::string registrable_domain;  // PublicSuffixList::registrable_domain(host)
    std::size_t offset = 0;          // byte offset of `found` in the text
    bool had_scheme = false;
    bool obfuscated = false;  // hxxp, "[:]", a disguised dot, spaces around a dot
};

struct ExtractLimits {
    std::size_t max_urls = 32;
    std::size_t max_numbers = 32;
};

// URLs with a scheme (http, https, hxxp, hxxps, any case), starting "www.", or bare
// "label.label" hosts whose last label is a public suffix by an explicit PSL rule (so
// "ban.toi", "v.v", "1.000.000d" are not URLs). A bare IPv4 host needs a port or a path.
// E-mail addresses are not URLs: a host right after '@' is skipped (but "http://bank.com@evil.top/"
// gives host evil.top, as a browser would).
std::vector<UrlMention> extract_urls(std::string_view text, const PublicSuffixList& psl, const ExtractLimits& limits = {});

struct NumberMention {
    // Digits only. For an international number ('+' or "00" before it) the "00" is not kept, so
    // "+84 98..." and "0084 98..." give the same digits.
    std::string digits;
    std::string found;  // as in the text, from '+', '(' or the first digit to the last digit
    std::size_t offset = 0;
    bool international = false;  // had + or 00
};

// Runs of 8..15 digits in groups separated by one space, dot, dash or parenthesis (or a
// parenthesis and a space), optionally after '+' or "00". Not numbers: runs inside words or
// URLs (a letter, digit, '/', '=', '@' or '_' right before, a letter right after), amounts
// (followed by a currency sign or letter, or grouped in thousands: "10.000.000"), dates
// ("12.05.2024") and IPv4 addresses.
std::vector<NumberMention> extract_phone_numbers(std::string_view text, const ExtractLimits& limits = {});

// Words after which a digit run is an account number. Match folded text (lower-case ASCII).
// The default list: Vietnamese ("stk", "so tai khoan", "tai khoan", "tk", "so tk") and English
// ("account", "acc", "acct", "a/c").
std::span<const std::string_view> default_account_keywords();

// Digit runs of 9..19 digits (grouped as for phone numbers) that follow a keyword, with up to
// two short words and separators between ("stk: 0123456789", "tk vcb 0071001234567"), or
// standalone runs of 10..19 digits that do not look like a phone number (no '+'/"00", and not
// a leading 0 with 10 or 11 digits). Amounts and dates are skipped as for phone numbers.
// Expects folded text.
std::vector<NumberMention> extract_account_numbers(std::string_view text, const ExtractLimits& limits = {});
std::vector<NumberMention> extract_account_numbers(std::string_view text, std::span<const std::string_view> keywords,
                                                   const ExtractLimits& limits = {});

// extract_phone_numbers(text) and extract_account_numbers(text) (default keywords), from one
// scan of the text's digit runs.
struct NumberMentions {
    std::vector<NumberMention> phones;
    std::vector<NumberMention> accounts;
};
NumberMentions extract_numbers(std::string_view text, const ExtractLimits& limits = {});

}  // namespace scamgate::text
