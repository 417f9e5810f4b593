// scamgate-pcapgen flood (bench/flood.sh): N initial INVITEs, each its own call, none answered.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <vector>

#include "capture/pcap_file.h"
#include "pcapgen/scenarios.h"
#include "pipeline/worker.h"
#include "temp_files.h"

using namespace scamgate;

namespace {

struct Collector final : record::ContactSink {
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

}  // namespace

TEST_CASE("flood: every INVITE is a pending call until the capture ends, each with its own Call-ID") {
    test_support::TempFile file{"flood", ".pcap"};
    pcapgen::FloodOptions options;
    options.invites = 300;
    options.out = file.path();
    options.invites_per_second = 1000;
    const auto summary = pcapgen::write_invite_flood(options);
    CHECK(summary.invites == 300);
    CHECK(summary.capture_seconds == doctest::Approx(0.299));

    std::ostringstream log_text;
    Logger log{log_text};
    Collector sink;
    pipeline::Worker worker(pipeline::PipelineConfig{}, sink, log);
    worker.begin_source(file.path());
    capture::PcapFileReader reader(file.path());
    while (auto packet = reader.next()) worker.on_packet(*packet);
    CHECK(sink.contacts.empty());
    CHECK(worker.stats().at("calls.active") == 300);
    worker.end_source();

    REQUIRE(sink.contacts.size() == 300);
    std::set<std::string> call_ids;
    for (const auto& contact : sink.contacts) {
        REQUIRE(contact.call);
        CHECK(contact.call->end == record::CallEnd::capture_end);
        CHECK(contact.call->messages == 1);
        CHECK(contact.call->final_status == 0);
        call_ids.insert(contact.call->call_id);
    }
    CHECK(call_ids.size() == 300);
    CHECK(worker.stats().at("sip.parse_errors") == 0);

    options.invites = 0;
    CHECK_THROWS_AS(pcapgen::write_invite_flood(options), std::invalid_argument);
}
