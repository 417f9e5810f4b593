// User Data Header, 3GPP TS 23.040 9.2.3.24: concatenation (9.2.3.24.1, .8) and application
// port addressing (9.2.3.24.3, .4); other information elements are kept raw.
#include "sms/udh.h"

#include <utility>

namespace scamgate::sms {
namespace {

constexpr std::uint8_t kConcat8 = 0x00;
constexpr std::uint8_t kPorts8 = 0x04;
constexpr std::uint8_t kPorts16 = 0x05;
constexpr std::uint8_t kConcat16 = 0x08;

void set(SmsAnomalies& anomalies, SmsAnomaly anomaly) {
    anomalies.set(static_cast<std::size_t>(anomaly));
}

// nullopt for a wrong element length, total 0, sequence 0 or sequence above total.
std::optional<Concat> parse_concat(std::uint8_t iei, ByteView data) {
    const bool wide = iei == kConcat16;
    if (data.size() != (wide ? 4u : 3u)) return std::nullopt;
    Concat concat;
    concat.reference_16bit = wide;
    concat.reference = wide ? load_be16(data.data()) : data[0];
    concat.total = data[wide ? 2 : 1];
    concat.sequence = data[wide ? 3 : 2];
    if (concat.total == 0 || concat.sequence == 0 || concat.sequence > concat.total) return std::nullopt;
    return concat;
}

// nullopt for a wrong element length (the element is then kept raw).
std::optional<PortAddressing> parse_ports(std::uint8_t iei, ByteView data) {
    PortAddressing ports;
    if (iei == kPorts8 && data.size() == 2) {
        ports.destination = data[0];
        ports.source = data[1];
        return ports;
    }
    if (iei == kPorts16 && data.size() == 4) {
        ports.bits16 = true;
        ports.destination = load_be16(data.data());
        ports.source = load_be16(data.data() + 2);
        return ports;
    }
    return std::nullopt;
}

void add_element(Udh& udh, std::uint8_t iei, ByteView data, SmsAnomalies& anomalies) {
    if (iei == kConcat8 || iei == kConcat16) {
        // A repeated element: TS 23.040 9.2.3.24 says the last occurrence is used.
        if (auto concat = parse_concat(iei, data)) {
            udh.concat = concat;
        } else {
            set(anomalies, SmsAnomaly::udh_bad_concat);
        }
        return;
    }
    if (iei == kPorts8 || iei == kPorts16) {
        if (auto ports = parse_ports(iei, data)) {
            udh.ports = ports;
            return;
        }
    }
    udh.other.push_back(InformationElement{iei, std::vector<std::uint8_t>(data.begin(), data.end())});
}

}  // namespace

UdhResult parse_udh(ByteView user_data) {
    UdhResult result;
    if (user_data.empty()) {
        set(result.anomalies, SmsAnomaly::udh_empty);
        return result;
    }
    const std::size_t header_length = std::size_t{user_data[0]} + 1;
    if (header_length > user_data.size()) {
        set(result.anomalies, SmsAnomaly::udh_past_payload);
        return result;
    }
    Udh udh;
    udh.length = header_length;
    ByteReader reader(user_data.subspan(1, header_length - 1));
    while (reader.remaining() > 0) {
        const auto iei = reader.u8();
        const auto length = reader.u8();
        const auto data = length ? reader.take(*length) : std::nullopt;
        if (!iei || !data) {
            // The element runs past UDHL: the header length is still known, so the text after it
            // can be read; the elements before it are kept.
            set(result.anomalies, SmsAnomaly::udh_past_payload);
            break;
        }
        add_element(udh, *iei, *data, result.anomalies);
    }
    result.udh = std::move(udh);
    return result;
}

}  // namespace scamgate::sms
