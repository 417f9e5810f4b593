#include "behaviour/fingerprint.h"

// Inlined (header-only xxHash): the hashes here are of a few bytes, where a library call costs
// as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <type_traits>

#include "behaviour/behaviour.h"

namespace scamgate::behaviour {
namespace {

// Byte classes, one table lookup per byte on the hot path.
enum ByteClass : std::uint8_t { kSpace = 1, kAsciiLetter = 2, kDigit = 4, kHighByte = 8, kPunct = 16 };
constexpr std::array<std::uint8_t, 256> make_classes() {
    std::array<std::uint8_t, 256> t{};
    for (std::size_t c = 0; c < 256; ++c) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') t[c] = kSpace;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) t[c] = kAsciiLetter;
        else if (c >= '0' && c <= '9') t[c] = kDigit;
        else if (c >= 0x80) t[c] = kHighByte;
        else if (c == '@' || c == ':' || c == '.') t[c] = kPunct;  // what classify() looks at
    }
    return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

bool is_ascii_letter(unsigned char c) { return (kClasses[c] & kAsciiLetter) != 0; }
bool is_word_byte(unsigned char c) { return (kClasses[c] & (kAsciiLetter | kDigit | kHighByte)) != 0; }

unsigned char at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// What a white-space separated word is; a higher kind wins over a lower one ("help@bank.vn" holds
// a host too, and is an e-mail address).
enum class WordKind : std::uint8_t { plain = 0, url = 1, email = 2 };

// What the punctuation byte at `i` (inside the word that began at `word_begin`) makes of its word:
// an '@' between letters or digits, an e-mail address; "://", "www.", or a '.' between a letter or
// digit and two ASCII letters, a URL. Bytes after `i` that are checked are letters, digits, ':'
// or '/', never white space, so they belong to the same word.
WordKind punctuation_kind(std::string_view text, std::size_t word_begin, std::size_t i) {
    const std::size_t n = text.size();
    switch (text[i]) {
        case '@':
            return i > word_begin && i + 1 < n && is_word_byte(at(text, i - 1)) && is_word_byte(at(text, i + 1))
                       ? WordKind::email
                       : WordKind::plain;
        case ':':
            return text.substr(i).starts_with("://") ? WordKind::url : WordKind::plain;
        case '.':
            if (i > word_begin && i + 2 < n && is_word_byte(at(text, i - 1)) && is_ascii_letter(at(text, i + 1)) &&
                is_ascii_letter(at(text, i + 2))) {
                return WordKind::url;
            }
            return i >= word_begin + 3 && text.substr(i - 3, 3) == "www" ? WordKind::url : WordKind::plain;
        default:
            return WordKind::plain;
    }
}

// Calls emit(token) for each masked token of `folded`, in order (see campaign_tokens()), in one
// pass over the bytes: the pieces of a word (its runs of letters and digits) wait in a small
// buffer until the word ends and is known to be plain, a URL or an e-mail address. A word of
// more than kMaxPieces pieces has its first pieces emitted early (not masked as a whole).
template <typename Emit>
class Tokeniser {
public:
    static constexpr std::size_t kMaxPieces = 16;

    explicit Tokeniser(Emit& emit) : emit_(emit) {}

    void run(std::string_view text) {
        constexpr std::uint8_t kWordByte = kAsciiLetter | kDigit | kHighByte;
        const std::size_t n = text.size();
        // The piece being read lives in locals (registers), not members: the byte loop is hot.
        bool in_piece = false;
        bool piece_digit = false;
        std::size_t piece_begin = 0;
        for (std::size_t i = 0; i <= n; ++i) {
            const std::uint8_t cls = i < n ? kClasses[at(text, i)] : std::uint8_t{kSpace};  // the end ends the last word
            if ((cls & kWordByte) != 0) {
                if (!in_piece) {
                    begin_word(i);
                    in_piece = true;
                    piece_begin = i;
                    piece_digit = false;
                }
                piece_digit |= (cls & kDigit) != 0;
                continue;
            }
            if (in_piece) {
                add_piece(text.substr(piece_begin, i - piece_begin), piece_digit);
                in_piece = false;
            }
            if ((cls & kSpace) != 0) {
                if (in_word_) end_word();
                continue;
            }
            begin_word(i);
            if ((cls & kPunct) != 0) kind_ = std::max(kind_, punctuation_kind(text, word_begin_, i));
        }
    }

private:
    // Trivial on purpose: the buffer below is left uninitialised (only [0, pieces_count_) is
    // read), which saves zeroing 16 pieces for every text.
    struct Piece {
        const char* data;
        std::uint32_t size;
        bool has_digit;
    };

    void begin_word(std::size_t i) {
        if (in_word_) return;
        in_word_ = true;
        word_begin_ = i;
        kind_ = WordKind::plain;
    }
    void add_piece(std::string_view piece, bool has_digit) {
        if (pieces_count_ == kMaxPieces) emit_pieces();
        pieces_[pieces_count_++] = Piece{piece.data(), static_cast<std::uint32_t>(piece.size()), has_digit};
    }
    void emit_pieces() {
        for (std::size_t p = 0; p < pieces_count_; ++p) {
            const Piece& piece = pieces_[p];
            push(piece.has_digit ? kNumberToken : std::string_view(piece.data, piece.size));
        }
        pieces_count_ = 0;
    }
    void end_word() {
        switch (kind_) {
            case WordKind::email: push(kEmailToken); break;
            case WordKind::url: push(kUrlToken); break;
            case WordKind::plain: emit_pieces(); break;
        }
        pieces_count_ = 0;
        in_word_ = false;
    }
    void push(std::string_view token) {
        const bool number = token == kNumberToken;
        if (number && last_was_number_) return;  // "0912 345 678" is one number
        last_was_number_ = number;
        emit_(token);
    }

    Emit& emit_;
    std::array<Piece, kMaxPieces> pieces_;  // uninitialised: see Piece
    std::size_t pieces_count_ = 0;
    std::size_t word_begin_ = 0;
    WordKind kind_ = WordKind::plain;
    bool in_word_ = false;
    bool last_was_number_ = false;
};

template <typename Emit>
void for_each_token(std::string_view folded, Emit&& emit) {
    Tokeniser<std::remove_reference_t<Emit>> tokeniser(emit);
    tokeniser.run(folded);
}

}  // namespace

std::vector<std::string_view> campaign_tokens(std::string_view folded) {
    std::vector<std::string_view> tokens;
    for_each_token(folded, [&tokens](std::string_view token) { tokens.push_back(token); });
    return tokens;
}

namespace {

// kSpread[b] holds the 8 bits of byte b, one per byte lane: adding it to a lane counter adds 1 to
// the count of each set bit. Eight additions per hash instead of 64.
constexpr std::array<std::uint64_t, 256> make_spread() {
    std::array<std::uint64_t, 256> t{};
    for (std::size_t b = 0; b < 256; ++b) {
        for (std::size_t bit = 0; bit < 8; ++bit) {
            if ((b >> bit) & 1u) t[b] |= std::uint64_t{1} << (8 * bit);
        }
    }
    return t;
}
constexpr std::array<std::uint64_t, 256> kSpread = make_spread();

// Per-bit counts of set bits over many 64-bit hashes. Lane counters are 8 bits wide, so they are
// emptied into the 32-bit totals every 255 hashes. An SMS has far fewer words than that: its
// majority is read straight from the lanes, and the totals are never touched (nor zeroed).
class BitVotes {
public:
    void add(std::uint64_t h) {
#pragma GCC unroll 8
        for (std::size_t byte = 0; byte < 8; ++byte) lanes_[byte] += kSpread[(h >> (8 * byte)) & 0xffu];
        if (++pending_ == 255) flush();
        ++total_;
    }
    // Bit j set when more than half of the hashes had bit j set.
    std::uint64_t majority() {
        if (!flushed_) return majority_of_lanes();
        flush();
        std::uint64_t out = 0;
        for (std::size_t bit = 0; bit < 64; ++bit) {
            if (2 * ones_[bit] > total_) out |= std::uint64_t{1} << bit;
        }
        return out;
    }

private:
    // Lane k of lanes_[byte] counts bit 8 * byte + k (kSpread), and never passed 254. The eight
    // lanes of a word are compared with half the total at once (SWAR), then their eight answers
    // (each lane's top bit) are gathered into eight adjacent bits by one multiplication.
    std::uint64_t majority_of_lanes() const {
        constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
        constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
        constexpr std::uint64_t kGather = 0x0102040810204080ULL;  // lane k's bit 0 to bit 56 + k
        const std::uint64_t above = (total_ / 2 + 1) * kOnes;      // count > total / 2, per lane
        std::uint64_t out = 0;
        for (std::size_t byte = 0; byte < 8; ++byte) {
            const std::uint64_t lanes = lanes_[byte];
            // A lane of 128 or more is above (total_ < 255, so half of it is below 128); below
            // 128, its top bit set first keeps the subtraction from borrowing across lanes.
            const std::uint64_t top = (lanes & kHigh) | ((((lanes & ~kHigh) | kHigh) - above) & kHigh);
            out |= (((top >> 7) * kGather) >> 56) << (8 * byte);
        }
        return out;
    }
    void flush() {
        if (!flushed_) ones_.fill(0);
        flushed_ = true;
        for (std::size_t byte = 0; byte < 8; ++byte) {
            for (std::size_t bit = 0; bit < 8; ++bit) ones_[8 * byte + bit] += (lanes_[byte] >> (8 * bit)) & 0xffu;
            lanes_[byte] = 0;
        }
        pending_ = 0;
    }
    std::array<std::uint64_t, 8> lanes_{};
    std::array<std::uint32_t, 64> ones_;  // zeroed at the first flush: most texts never get there
    std::uint32_t pending_ = 0;
    std::uint32_t total_ = 0;
    bool flushed_ = false;
};

// Word 2-shingles, hashed as they stream by: each token is hashed once (XXH3), each shingle is
// the XXH3 of the 16 bytes of its two token hashes.
class ShingleSimHash {
public:
    void add(std::string_view token) {
        const std::uint64_t h = XXH3_64bits(token.data(), token.size());
        if (tokens_ == 0) {
            first_ = h;
        } else {
            const std::array<std::uint64_t, 2> pair{previous_, h};
            votes_.add(XXH3_64bits(pair.data(), sizeof pair));
        }
        previous_ = h;
        ++tokens_;
    }
    std::size_t tokens() const { return tokens_; }
    std::uint64_t fingerprint() {
        if (tokens_ == 1) votes_.add(first_);  // one token: its own hash is the only feature
        return votes_.majority();
    }

private:
    BitVotes votes_;
    std::uint64_t first_ = 0;
    std::uint64_t previous_ = 0;
    std::size_t tokens_ = 0;
};

}  // namespace

std::uint64_t simhash_of_tokens(const std::vector<std::string_view>& tokens) {
    ShingleSimHash simhash;
    for (const std::string_view token : tokens) simhash.add(token);
    return simhash.fingerprint();
}

std::optional<std::uint64_t> campaign_fingerprint(std::string_view folded_text, std::uint32_t min_tokens) {
    ShingleSimHash simhash;
    for_each_token(folded_text, [&simhash](std::string_view token) { simhash.add(token); });
    if (simhash.tokens() == 0 || simhash.tokens() < min_tokens) return std::nullopt;
    return simhash.fingerprint();
}

}  // namespace scamgate::behaviour
