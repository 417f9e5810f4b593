#pragma once
// How an internationalised host name reads to a person: punycode labels decoded (IDNA, UTS #46),
// then the confusable skeleton of UTS #39 (ICU's spoof checker, uspoof_getSkeleton), lower-cased,
// combining marks dropped. "xn--vietcmbank-ivi.com.vn" (a Cyrillic 'о') reads as
// "vietcombank.com.vn". Immutable once built; ICU allows concurrent use of both objects, so one
// instance serves every thread.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct UIDNA;
struct USpoofChecker;

namespace scamgate::detect {

class HostSkeleton {
public:
    static constexpr std::size_t kMaxHostBytes = 1024;  // UTF-8 input; DNS names are 253 bytes as ASCII

    // Throws std::runtime_error when ICU cannot open its IDNA or spoof-checker data.
    HostSkeleton();
    HostSkeleton(HostSkeleton&&) noexcept;
    HostSkeleton& operator=(HostSkeleton&&) noexcept;
    ~HostSkeleton();

    // True when the host needs reading: a non-ASCII byte or a label starting "xn--".
    static bool is_international(std::string_view host);

    // The ASCII host (letters, digits, '-', '.') the name imitates, or nullopt when the input is
    // too long, not valid UTF-8 or IDNA, or reads as something other than ASCII (a genuinely
    // Cyrillic or Chinese name). ICU's skeleton spells "m" as "rn"; that is joined again so the
    // result compares with plain ASCII (a genuine "rn" in an internationalised host reads as "m").
    std::optional<std::string> ascii_reading(std::string_view host) const;

private:
    struct IdnaDeleter {
        void operator()(UIDNA* idna) const;
    };
    struct SpoofDeleter {
        void operator()(USpoofChecker* checker) const;
    };
    std::unique_ptr<UIDNA, IdnaDeleter> idna_;
    std::unique_ptr<USpoofChecker, SpoofDeleter> spoof_;
};

}  // namespace scamgate::detect
