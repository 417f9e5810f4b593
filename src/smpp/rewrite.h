#pragma once
// Same-length changes to SMPP PDUs on their way through (inline modes): a PDU's length never
// changes, so the TCP stream's sequence numbers stay right.
#include <cstddef>
#include <cstdint>
#include <span>

#include "smpp/pdu.h"

namespace scamgate::smpp {

// The first type of number SMPP 3.4 and 5.0 leave undefined (they define 0..6): an SMSC refuses a
// destination with it (ESME_RINVDSTTON).
inline constexpr std::uint8_t kInvalidTon = 0x07;

// Makes the SMSC refuse a submit_sm or data_sm: its dest_addr_ton becomes kInvalidTon. `pdu` is
// the PDU as framed and `message` its parse. False (nothing written) when the field is not inside
// `pdu`.
bool refuse_destination(std::span<std::uint8_t> pdu, const ShortMessage& message);

// Writes `status` as a response PDU's command_status. False when `pdu` is shorter than a header.
bool set_command_status(std::span<std::uint8_t> pdu, std::uint32_t status);

}  // namespace scamgate::smpp
