// behaviour.redis campaign blobs (src/behaviour/shared_blob.h, decode_campaign_blob) on any
// bytes, as another instance's field of a campaign band key read from Redis: the decoder must
// refuse or accept without reading out of bounds; an accepted blob must encode back to the same
// bytes (fixed layout: nothing lost or invented), and must merge into a peer view and be judged
// with a local campaign, at times inside and far outside its buckets, without trapping.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "behaviour/behaviour.h"
#include "behaviour/campaign_table.h"
#include "behaviour/shared_blob.h"

namespace {

using namespace scamgate;
using namespace scamgate::behaviour;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto share = decode_campaign_blob(std::span<const std::uint8_t>(data, size));
    if (!share) return 0;
    std::string again;
    encode_campaign_blob(*share, again);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) __builtin_trap();

    Settings::SmsCampaign settings;
    settings.window = share->window;
    settings.min_senders = 2;
    settings.min_recipients = 2;
    CampaignTable table(8);
    table.track_changes();
    const Timestamp starts[] = {share->senders.start, share->recipients.start, Timestamp{0}};
    for (const Timestamp at : starts) {
        table.observe(share->fingerprint, 1, 2, at, settings);
        if (table.merge_peers({*share}, CampaignTable::kMaxDistance, share->window) == 0) __builtin_trap();
        table.observe(share->fingerprint ^ 1, 3, std::nullopt, at, settings);
        (void)share->senders.estimate(at, share->window);
        (void)share->recipients.estimate(at, share->window);
    }
    table.drain_changes([](const CampaignShare& c) { (void)c.fingerprint; });
    return 0;
}
