#pragma once
// Changes to a SIP message on its way through (inline modes). `message` must be the parse of
// `text` (its views point into it).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/message.h"

namespace scamgate::sip {

// `text` with `headers` ("Name", "value") added after its last header and, when `display_prefix`
// is not empty, the From header's display name prefixed (quoted; a From without a display name
// gets the prefix as its name). The body and Content-Length are unchanged. nullopt when the end
// of the headers or the From header cannot be found.
std::optional<std::string> with_tag(std::string_view text, const Message& message,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view display_prefix);

// Where the digits of the Max-Forwards value are in `text` (offset, length), or nullopt when the
// request has none. Writing '0' over them is a same-length change that makes the next hop refuse
// the request with 483 Too Many Hops.
std::optional<std::pair<std::size_t, std::size_t>> max_forwards_digits(std::string_view text, const Message& message);

}  // namespace scamgate::sip
