#include <array>
#include <cstring>

#include "sip/message.h"
#include "sip/text.h"

namespace scamgate::sip {
namespace {

constexpr std::size_t kLongestName = 20;  // "p-preferred-identity"

HeaderId compact_form(char lower) {
    switch (lower) {
        case 'i': return HeaderId::call_id;
        case 'm': return HeaderId::contact;
        case 'l': return HeaderId::content_length;
        case 'c': return HeaderId::content_type;
        case 'f': return HeaderId::from;
        case 's': return HeaderId::subject;
        case 'k': return HeaderId::supported;
        case 't': return HeaderId::to;
        case 'v': return HeaderId::via;
        case 'o': return HeaderId::event;
        case 'r': return HeaderId::refer_to;
        case 'b': return HeaderId::referred_by;
        case 'y': return HeaderId::identity;
        default: return HeaderId::other;  // e, u, x and unknown letters have no id of their own
    }
}

struct NameEntry {
    std::string_view lower_name;
    HeaderId id;
};

// Full names grouped by length; header_id() only compares names of the same length.
constexpr std::array kNames{
    NameEntry{"to", HeaderId::to},
    NameEntry{"via", HeaderId::via},
    NameEntry{"from", HeaderId::from},
    NameEntry{"cseq", HeaderId::cseq},
    NameEntry{"allow", HeaderId::allow},
    NameEntry{"route", HeaderId::route},
    NameEntry{"event", HeaderId::event},
    NameEntry{"server", HeaderId::server},
    NameEntry{"accept", HeaderId::accept},
    NameEntry{"reason", HeaderId::reason},
    NameEntry{"call-id", HeaderId::call_id},
    NameEntry{"contact", HeaderId::contact},
    NameEntry{"privacy", HeaderId::privacy},
    NameEntry{"require", HeaderId::require},
    NameEntry{"expires", HeaderId::expires},
    NameEntry{"subject", HeaderId::subject},
    NameEntry{"identity", HeaderId::identity},
    NameEntry{"refer-to", HeaderId::refer_to},
    NameEntry{"diversion", HeaderId::diversion},
    NameEntry{"supported", HeaderId::supported},
    NameEntry{"user-agent", HeaderId::user_agent},
    NameEntry{"referred-by", HeaderId::referred_by},
    NameEntry{"content-type", HeaderId::content_type},
    NameEntry{"max-forwards", HeaderId::max_forwards},
    NameEntry{"history-info", HeaderId::history_info},
    NameEntry{"record-route", HeaderId::record_route},
    NameEntry{"authorization", HeaderId::authorization},
    NameEntry{"content-length", HeaderId::content_length},
    NameEntry{"remote-party-id", HeaderId::remote_party_id},
    NameEntry{"www-authenticate", HeaderId::www_authenticate},
    NameEntry{"proxy-authenticate", HeaderId::proxy_authenticate},
    NameEntry{"p-asserted-identity", HeaderId::p_asserted_identity},
    NameEntry{"proxy-authorization", HeaderId::proxy_authorization},
    NameEntry{"p-preferred-identity", HeaderId::p_preferred_identity},
};

constexpr bool sorted_by_length() {
    for (std::size_t i = 1; i < kNames.size(); ++i) {
        if (kNames[i - 1].lower_name.size() > kNames[i].lower_name.size()) return false;
    }
    return kNames.back().lower_name.size() == kLongestName;
}
static_assert(sorted_by_length());

// Index of the first entry of each length, so a lookup only touches its own length bucket.
constexpr std::array<std::uint8_t, kLongestName + 2> make_bucket_starts() {
    std::array<std::uint8_t, kLongestName + 2> starts{};
    std::size_t entry = 0;
    for (std::size_t len = 0; len <= kLongestName + 1; ++len) {
        while (entry < kNames.size() && kNames[entry].lower_name.size() < len) ++entry;
        starts[len] = static_cast<std::uint8_t>(entry);
    }
    return starts;
}
constexpr auto kBucketStarts = make_bucket_starts();

constexpr std::array<std::string_view, static_cast<std::size_t>(HeaderId::count_)> kCanonical{
    "", "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type",
    "Max-Forwards", "P-Asserted-Identity", "P-Preferred-Identity", "Remote-Party-ID", "Diversion",
    "History-Info", "User-Agent", "Server", "Identity", "Privacy", "Route", "Record-Route",
    "Supported", "Require", "Expires", "Subject", "Event", "Allow", "Accept", "Authorization",
    "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Reason", "Refer-To",
    "Referred-By"};

}  // namespace

HeaderId header_id(std::string_view name) {
    const std::size_t len = name.size();
    if (len == 1) return compact_form(text::to_lower(name[0]));
    if (len < 2 || len > kLongestName) return HeaderId::other;
    std::array<char, kLongestName> lower{};
    for (std::size_t i = 0; i < len; ++i) lower[i] = text::to_lower(name[i]);
    for (std::size_t i = kBucketStarts[len]; i < kBucketStarts[len + 1]; ++i) {
        const auto& entry = kNames[i];
        if (entry.lower_name[0] == lower[0] &&
            std::memcmp(entry.lower_name.data(), lower.data(), len) == 0) {
            return entry.id;
        }
    }
    return HeaderId::other;
}

std::string_view header_canonical_name(HeaderId id) {
    const auto index = static_cast<std::size_t>(id);
    return index < kCanonical.size() ? kCanonical[index] : std::string_view{};
}

}  // namespace scamgate::sip
