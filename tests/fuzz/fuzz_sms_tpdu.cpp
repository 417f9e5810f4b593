// Reads the input as an RP message (then its TPDU in the RP direction and in the other one), as a
// raw TPDU in both directions, and as a user data header; traps when a result breaks an invariant
// (text not valid UTF-8, hex not hex, a field out of range, a view outside the input).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sms/tpdu.h"
#include "fuzz_utf8.h"

namespace {

using scamgate::fuzz::valid_utf8;
using namespace scamgate::sms;
using scamgate::ByteView;

bool valid_hex(std::string_view s) {
    if (s.size() % 2 != 0) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

void check_udh(const Udh& udh, std::size_t size) {
    if (udh.length == 0 || udh.length > size) __builtin_trap();
    if (udh.concat) {
        if (udh.concat->total == 0 || udh.concat->sequence == 0) __builtin_trap();
        if (udh.concat->sequence > udh.concat->total) __builtin_trap();
    }
    for (const auto& ie : udh.other) {
        if (ie.data.size() + 2 > udh.length) __builtin_trap();
    }
}

void check_address(const Address& address) {
    if (address.ton > 7 || address.npi > 15) __builtin_trap();
    if (!valid_utf8(address.value)) __builtin_trap();
}

void check_tpdu(ByteView input, bool network_to_ms) {
    SmsAnomalies anomalies;
    const auto t = decode_tpdu(input, network_to_ms, anomalies);
    if (!t) {
        if (anomalies.none()) __builtin_trap();
        return;
    }
    if ((t->type == TpduType::deliver) != network_to_ms) __builtin_trap();
    if (t->anomalies != anomalies) __builtin_trap();
    if ((t->text.anomalies & ~t->anomalies).any()) __builtin_trap();
    check_address(t->address);
    if (!valid_utf8(t->text.utf8) || !valid_hex(t->binary_hex)) __builtin_trap();
    if (t->binary_hex.size() > 2 * input.size()) __builtin_trap();
    if (t->udh) check_udh(*t->udh, input.size());
}

void check_rp(ByteView input) {
    SmsAnomalies anomalies;
    const auto rp = decode_rp(input, anomalies);
    if (!rp) {
        if (anomalies.none()) __builtin_trap();
        return;
    }
    const auto* begin = input.data();
    const auto* end = input.data() + input.size();
    if (rp->user_data.data() < begin || rp->user_data.data() + rp->user_data.size() > end) __builtin_trap();
    check_address(rp->originator);
    check_address(rp->destination);
    // The RP user data, copied so ASan sees reads past its own end.
    const std::vector<std::uint8_t> tpdu(rp->user_data.begin(), rp->user_data.end());
    check_tpdu(tpdu, rp->type == RpType::data_network_to_ms);
    check_tpdu(tpdu, rp->type != RpType::data_network_to_ms);
}

void check_udh_only(ByteView input) {
    const auto r = parse_udh(input);
    if (r.udh) {
        check_udh(*r.udh, input.size());
    } else if (r.anomalies.none()) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A copy of exactly `size` bytes, so ASan sees any read past the end.
    const std::vector<std::uint8_t> input(data, data + size);
    const ByteView view(input);
    check_rp(view);
    check_tpdu(view, false);
    check_tpdu(view, true);
    check_udh_only(view);
    return 0;
}
