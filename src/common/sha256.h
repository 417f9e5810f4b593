#pragma once
// SHA-256 as lower-case hex, for integrity checks of files scamgate loads (trained models) and
// writes. OpenSSL's libcrypto does the hashing: the implementation auditors already trust.
#include <string>
#include <string_view>

namespace scamgate {

std::string sha256_hex(std::string_view bytes);

}  // namespace scamgate
