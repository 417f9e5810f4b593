#pragma once
// User Data Header (3GPP TS 23.040 9.2.3.24): concatenation (IEI 0x00 8-bit reference, 0x08
// 16-bit reference) and application port addressing (0x04 8-bit, 0x05 16-bit); every other
// element is kept raw.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "sms/text.h"

namespace scamgate::sms {

struct Concat {
    std::uint16_t reference = 0;
    std::uint8_t total = 0;     // parts in the message, >= 1
    std::uint8_t sequence = 0;  // this part, 1..total
    bool reference_16bit = false;
};

struct PortAddressing {
    std::uint16_t destination = 0;
    std::uint16_t source = 0;
    bool bits16 = false;
};

struct InformationElement {
    std::uint8_t iei = 0;
    std::vector<std::uint8_t> data;
};

struct Udh {
    std::size_t length = 0;  // octets of the header including the UDHL octet itself
    std::optional<Concat> concat;
    std::optional<PortAddressing> ports;
    std::vector<InformationElement> other;  // elements other than concat and ports, in order
};

struct UdhResult {
    std::optional<Udh> udh;  // nullopt when the header is unusable (see anomalies)
    SmsAnomalies anomalies;
};

// `user_data` starts with the UDHL octet. A bad concatenation element is dropped (and flagged) but
// the rest of the header still parses; a header that runs past the data gives nullopt.
UdhResult parse_udh(ByteView user_data);

}  // namespace scamgate::sms
