#pragma once
// Which worker a captured frame goes to, read from its headers without decoding it (the reader
// thread of `replay --workers N` calls this for every packet). Per-flow state must stay on one
// worker: IP fragments until reassembled, TCP streams, SCTP associations, SIP dialogs (keyed by
// Call-ID), SMPP binds and the SMS concatenated over them. So the key is the outermost IP
// address pair, the same in either direction, and nothing else:
// - every fragment of a datagram carries it, so fragments reach the worker of their unfragmented
//   siblings (a fragmented INVITE and the rest of its dialog);
// - a tunnel (GRE, PPTP, ERSPAN, IP-in-IP, GTP-U) is keyed by its outer pair, so its inner flows
//   stay together whatever the outer fragmentation (the limit: one tunnel is one worker);
// - ports are left out, for UDP (a dialog's requests and responses change ports: the Via port, the
//   Contact port) and for TCP and SCTP too: SIP peers open a new connection for requests in the
//   other direction (a BYE from the callee), on any port (measured on the corpus: a SIP trunk on
//   TCP 6060 with connections both ways split its dialogs when ports were in the key).
// The limit: a dialog whose legs use different IP pairs (a proxy captured on both sides, a
// response through another proxy) is tracked per worker, one call per leg (docs/architecture.md).
// Frames that are not IP (ARP, LLDP, PPP control), or too short to read, have no key: worker 0.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"

namespace scamgate::net {

// A symmetric key (same both ways) for the frame's outermost IP pair, or nullopt for no IP.
std::optional<std::uint64_t> shard_key(int linktype, ByteView frame);

// The worker (0..workers-1) for a frame: its key, spread over the workers; worker 0 without one.
std::size_t shard_of(int linktype, ByteView frame, std::size_t workers);

}  // namespace scamgate::net
