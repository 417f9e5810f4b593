#include "detect/host_skeleton.h"

#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

namespace scamgate::detect {

namespace {

// ICU writes into caller buffers; a host of kMaxHostBytes decodes and skeletonises well inside
// these (a skeleton may grow a little: one code point can become two).
constexpr std::size_t kBuffer = 4 * HostSkeleton::kMaxHostBytes;

// ICU's skeleton spells the Latin letter "m" as "rn" (every other ASCII letter reads as itself);
// join it again so the reading is a host a person would type.
std::string join_split_letters(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == 'r' && i + 1 < s.size() && s[i + 1] == 'n') {
            out.push_back('m');
            ++i;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

bool is_host_char(UChar32 c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

}  // namespace

void HostSkeleton::IdnaDeleter::operator()(UIDNA* idna) const { uidna_close(idna); }
void HostSkeleton::SpoofDeleter::operator()(USpoofChecker* checker) const { uspoof_close(checker); }

HostSkeleton::HostSkeleton() {
    UErrorCode status = U_ZERO_ERROR;
    idna_.reset(uidna_openUTS46(UIDNA_DEFAULT, &status));
    if (U_FAILURE(status) || !idna_) throw std::runtime_error(fmt::format("ICU: cannot open IDNA (UTS #46): {}", u_errorName(status)));
    status = U_ZERO_ERROR;
    spoof_.reset(uspoof_open(&status));
    if (U_FAILURE(status) || !spoof_) throw std::runtime_error(fmt::format("ICU: cannot open the spoof checker: {}", u_errorName(status)));
}

HostSkeleton::HostSkeleton(HostSkeleton&&) noexcept = default;
HostSkeleton& HostSkeleton::operator=(HostSkeleton&&) noexcept = default;
HostSkeleton::~HostSkeleton() = default;

bool HostSkeleton::is_international(std::string_view host) {
    for (unsigned char c : host) {
        if (c >= 0x80) return true;
    }
    for (std::size_t at = host.find("xn--"); at != std::string_view::npos; at = host.find("xn--", at + 1)) {
        if (at == 0 || host[at - 1] == '.') return true;
    }
    return false;
}

std::optional<std::string> HostSkeleton::ascii_reading(std::string_view host) const {
    if (host.empty() || host.size() > kMaxHostBytes) return std::nullopt;
    std::array<char, kBuffer> unicode{};
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t unicode_len = uidna_nameToUnicodeUTF8(idna_.get(), host.data(), static_cast<int32_t>(host.size()),
                                                        unicode.data(), static_cast<int32_t>(unicode.size()), &info, &status);
    if (U_FAILURE(status) || unicode_len <= 0) return std::nullopt;

    std::array<char, kBuffer> skeleton{};
    status = U_ZERO_ERROR;
    const int32_t skeleton_len = uspoof_getSkeletonUTF8(spoof_.get(), 0, unicode.data(), unicode_len, skeleton.data(),
                                                        static_cast<int32_t>(skeleton.size()), &status);
    if (U_FAILURE(status) || skeleton_len <= 0) return std::nullopt;

    std::string out;
    out.reserve(static_cast<std::size_t>(skeleton_len));
    int32_t i = 0;
    while (i < skeleton_len) {
        UChar32 c = 0;
        U8_NEXT(skeleton.data(), i, skeleton_len, c);
        if (c < 0) return std::nullopt;
        if (u_charType(c) == U_NON_SPACING_MARK) continue;  // accents: "vietcombánk" reads as "vietcombank"
        c = u_tolower(c);
        if (!is_host_char(c)) return std::nullopt;
        out.push_back(static_cast<char>(c));
    }
    return join_split_letters(out);
}

}  // namespace scamgate::detect
