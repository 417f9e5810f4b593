#include "smpp/rewrite.h"

namespace scamgate::smpp {
namespace {

constexpr std::size_t kStatusOffset = 8;

// Where dest_addr_ton is in a submit_sm / data_sm: after the header, service_type and the source
// address (ton, npi, C-string); both commands begin alike.
std::size_t dest_ton_offset(const ShortMessage& message) {
    return kHeaderSize + message.service_type.size() + 1 + 2 + message.source.value.size() + 1;
}

}  // namespace

bool refuse_destination(std::span<std::uint8_t> pdu, const ShortMessage& message) {
    const std::size_t at = dest_ton_offset(message);
    if (at >= pdu.size()) return false;
    pdu[at] = kInvalidTon;
    return true;
}

bool set_command_status(std::span<std::uint8_t> pdu, std::uint32_t status) {
    if (pdu.size() < kHeaderSize) return false;
    for (std::size_t i = 0; i < 4; ++i) pdu[kStatusOffset + i] = static_cast<std::uint8_t>(status >> (24 - 8 * i));
    return true;
}

}  // namespace scamgate::smpp
