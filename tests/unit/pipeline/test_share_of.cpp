// With N workers each holds its share of every table bound, so the process holds what the
// configuration says.
#include <doctest/doctest.h>

#include "pipeline/worker.h"

using namespace scamgate;

TEST_CASE("share_of: table bounds are divided among the workers, per-item bounds and timeouts are not") {
    pipeline::PipelineConfig whole;
    whole.calls.max_calls = 1'000'001;
    whole.tcp.max_connections = 65536;
    whole.tcp.max_pending_bytes_total = 64u << 20;
    whole.sctp.max_associations = 3;
    whole.net.max_fragment_trains = 8192;
    whole.sms.max_pending_responses = 100'000;
    whole.sms.max_concat_messages = 1;

    const auto one = pipeline::share_of(whole, 1);
    CHECK(one.calls.max_calls == 1'000'001);
    CHECK(one.tcp.max_connections == 65536);

    const auto share = pipeline::share_of(whole, 4);
    CHECK(share.calls.max_calls == 250'001);  // rounded up
    CHECK(share.tcp.max_connections == 16384);
    CHECK(share.tcp.max_pending_bytes_total == (16u << 20));
    CHECK(share.sctp.max_associations == 1);
    CHECK(share.net.max_fragment_trains == 2048);
    CHECK(share.sms.max_pending_responses == 25'000);
    CHECK(share.sms.max_concat_messages == 1);  // never below one
    // Per connection, per message, and time: unchanged.
    CHECK(share.tcp.max_pending_bytes_per_direction == whole.tcp.max_pending_bytes_per_direction);
    CHECK(share.sip_parser.max_message_size == whole.sip_parser.max_message_size);
    CHECK(share.calls.setup_timeout == whole.calls.setup_timeout);
    CHECK(share.net.fragment_timeout == whole.net.fragment_timeout);
}
