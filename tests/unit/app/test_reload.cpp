#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "daemon/reload.h"
#include "daemon/reload_activity.h"
#include "app/replay.h"
#include "policy/stage.h"
#include "record/contact.h"
#include "temp_files.h"

using namespace scamgate;
using namespace scamgate::app;
using namespace scamgate::daemon;

namespace {

const std::string kSource = SCAMGATE_SOURCE_DIR;

// A real detection set (the golden test pack, shipped plan and lists), as a reload builds it.
std::shared_ptr<const policy::Detection> load_golden_detection(Logger& log) {
    const AppConfig config = load_config(kSource + "/tests/golden/verdicts.yaml");
    return std::make_shared<const policy::Detection>(load_detection(config, {}, log));
}

record::Contact sms_contact(const std::string& text) {
    record::Contact contact;
    contact.kind = record::ContactKind::sms;
    contact.sms.emplace();
    contact.sms->protocol = "smpp";
    contact.sms->text = text;
    return contact;
}

// The golden config with absolute paths (it is read from another folder), with `key` (an
// indented "  key: ") set to `value`; written to `config`.
void write_golden_config(const std::string& config, const std::string& key, const std::string& value) {
    std::ifstream golden(kSource + "/tests/golden/verdicts.yaml");
    std::ostringstream text;
    text << golden.rdbuf();
    std::string yaml = text.str();
    const std::string base = kSource + "/tests/golden/";
    for (std::string::size_type at = 0; (at = yaml.find("../", at)) != std::string::npos; at += 3) {
        if (at > 0 && (yaml[at - 1] == ' ' || yaml[at - 1] == '[')) {
            yaml.insert(at, base);
            at += base.size();
        }
    }
    const auto line = yaml.find("  " + key + ": ");
    REQUIRE(line != std::string::npos);
    yaml.replace(line, yaml.find('\n', line) - line, "  " + key + ": " + value);
    std::ofstream(config) << yaml;
}

}  // namespace

TEST_CASE("a replaced detection is freed by release_retired once no snapshot holds it, not by the packet thread") {
    std::ostringstream log_text;
    Logger log{log_text};
    auto first = load_golden_detection(log);
    std::weak_ptr<const policy::Detection> first_alive = first;
    policy::DetectionHolder holder(std::move(first));

    // The packet thread's snapshot user holds the first set, as between two packets.
    policy::SnapshotUser user(holder);
    CHECK(user.refresh().detector == &first_alive.lock()->detector);

    holder.replace(load_golden_detection(log));
    // Retired but held by the user's snapshot: release_retired keeps it.
    CHECK(holder.release_retired() == 1);
    CHECK_FALSE(first_alive.expired());

    // The next refresh moves the user to the new set; dropping its reference must not free the
    // old set (the holder still has it retired)...
    const policy::DetectionSnapshot& now = user.refresh();
    CHECK(now.detector == &holder.get()->detector);
    CHECK_FALSE(first_alive.expired());
    // ...the control thread's collect does.
    CHECK(holder.release_retired() == 0);
    CHECK(first_alive.expired());
}

TEST_CASE("after a swap the snapshot user's new scratch scans with the new set") {
    std::ostringstream log_text;
    Logger log{log_text};
    policy::DetectionHolder holder(load_golden_detection(log));
    policy::SnapshotUser user(holder);
    const auto contact = sms_contact("hello, see you at dinner");
    const auto before = user.refresh().detector->assess(contact, user.scratch());
    holder.replace(load_golden_detection(log));
    const policy::DetectionSnapshot& after = user.refresh();
    REQUIRE(after.detector == &holder.get()->detector);
    const auto again = after.detector->assess(contact, user.scratch());
    CHECK(again.score == before.score);
    CHECK(again.hits.size() == before.hits.size());
}

TEST_CASE("Reloader: a refused reload keeps the set in force, counts a failure and marks the window") {
    std::ostringstream log_text;
    Logger log{log_text};
    policy::DetectionHolder holder(load_golden_detection(log));
    const policy::Detection* in_force = holder.get().get();
    bool refuse = true;
    Reloader reloader(holder, [&]() -> std::shared_ptr<const policy::Detection> {
        if (refuse) throw ConfigError("policy.yaml:3: unknown action 'explode'");
        return load_golden_detection(log);
    }, log);
    const auto before = ReloadActivity::Clock::now();
    CHECK_FALSE(reloader.activity().covers(before - std::chrono::seconds(10)));

    const ReloadResult refused = reloader.reload("test");
    CHECK_FALSE(refused.ok);
    CHECK(refused.error == "policy.yaml:3: unknown action 'explode'");
    CHECK(holder.get().get() == in_force);
    CHECK(reloader.activity().covers(ReloadActivity::Clock::now()));  // just after it: in the aftermath

    refuse = false;
    const ReloadResult accepted = reloader.reload("test");
    CHECK(accepted.ok);
    CHECK(accepted.signatures > 0);
    CHECK(holder.get().get() != in_force);

    StatsReport stats;
    reloader.append_stats(stats);
    CHECK(stats.values().at("reload.successes") == 1);
    CHECK(stats.values().at("reload.failures") == 1);
    CHECK(log_text.str().find("previous configuration stays in force: policy.yaml:3:") != std::string::npos);
}

TEST_CASE("ReloadActivity covers a reload and the second after it, and ServiceTimes splits on it") {
    using Clock = ReloadActivity::Clock;
    ReloadActivity activity;
    const auto long_ago = Clock::now() - std::chrono::hours(1);
    CHECK_FALSE(activity.covers(Clock::now()));
    activity.begin();
    CHECK(activity.covers(Clock::now()));
    CHECK(activity.covers(long_ago));  // while one runs, everything is covered
    activity.end();
    const auto ended = Clock::now();
    CHECK(activity.covers(ended));
    CHECK(activity.covers(ended + ReloadActivity::kAftermath - std::chrono::milliseconds(10)));
    CHECK_FALSE(activity.covers(ended + ReloadActivity::kAftermath + std::chrono::milliseconds(10)));

    ServiceTimes times(&activity);
    times.record_since(Clock::now());  // just after the reload: counted in the reload window
    ReloadActivity idle;
    ServiceTimes steady_only(&idle);
    steady_only.record_since(Clock::now());
    steady_only.record_since(Clock::now());

    // values().at(): a renamed counter fails here instead of reading as 0.
    StatsReport in_window;
    times.append_stats(in_window);
    CHECK(in_window.values().at("inline.reload_service_samples") == 1);
    CHECK(in_window.values().at("inline.service_samples") == 0);
    StatsReport outside;
    steady_only.append_stats(outside);
    CHECK(outside.values().at("inline.service_samples") == 2);
    CHECK(outside.values().at("inline.reload_service_samples") == 0);
    for (const char* key : {"p50_us", "p99_us", "max_us"}) {
        CHECK(outside.values().count(std::string("inline.service_") + key) == 1);
        CHECK(outside.values().count(std::string("inline.reload_service_") + key) == 1);
    }
}

TEST_CASE("Reloader: a corrupted or truncated model is refused by name and the set in force keeps its model") {
    const test_support::TempDir dir("reload-model");
    const std::string model = dir / "sms.model";
    std::filesystem::copy_file(kSource + "/signatures/models/sms-text.model", model);
    const std::string config = dir / "scamgate.yaml";
    write_golden_config(config, "model", model);
    std::ostringstream log_text;
    Logger log{log_text};
    auto load = [&] { return std::make_shared<const policy::Detection>(load_detection(load_config(config), {}, log)); };
    policy::DetectionHolder holder(load());
    const policy::Detection* in_force = holder.get().get();
    REQUIRE(in_force->detector.models().size() == 1);
    Reloader reloader(holder, load, log);

    // Truncated: the weights end early.
    std::filesystem::resize_file(model, std::filesystem::file_size(model) - 100);
    const ReloadResult truncated = reloader.reload("test");
    CHECK_FALSE(truncated.ok);
    CHECK(truncated.error.find(model + ": ") != std::string::npos);
    CHECK(truncated.error.find("truncated") != std::string::npos);
    CHECK(holder.get().get() == in_force);
    CHECK(holder.get()->detector.models().size() == 1);

    // Wrong format version.
    std::filesystem::remove(model);
    std::filesystem::copy_file(kSource + "/signatures/models/sms-text.model", model);
    {
        std::fstream edit(model, std::ios::in | std::ios::out | std::ios::binary);
        edit.seekp(15);  // "scamgate-model 1" -> "scamgate-model 9"
        edit.put('9');
    }
    const ReloadResult wrong_version = reloader.reload("test");
    CHECK_FALSE(wrong_version.ok);
    CHECK(wrong_version.error.find("model format version 9 is not supported") != std::string::npos);
    CHECK(holder.get().get() == in_force);

    std::filesystem::remove(model);
    std::filesystem::copy_file(kSource + "/signatures/models/sms-text.model", model);
    CHECK(reloader.reload("test").ok);
    CHECK(holder.get().get() != in_force);
    CHECK(holder.get()->detector.models().size() == 1);
}

TEST_CASE("Reloader: a bad score model is refused by FILE:LINE and the set in force keeps its calibration") {
    const test_support::TempDir dir("reload-score");
    const std::string score = dir / "sms-score.yaml";
    std::filesystem::copy_file(kSource + "/signatures/models/sms-score.yaml", score);
    const std::string config = dir / "scamgate.yaml";
    write_golden_config(config, "score_model", score);
    std::ostringstream log_text;
    Logger log{log_text};
    auto load = [&] { return std::make_shared<const policy::Detection>(load_detection(load_config(config), {}, log)); };
    policy::DetectionHolder holder(load());
    const policy::Detection* in_force = holder.get().get();
    REQUIRE(in_force->detector.score_model() != nullptr);
    Reloader reloader(holder, load, log);

    std::ofstream(score, std::ios::app) << "  'sender:unknown': 1.0\n";
    const ReloadResult refused = reloader.reload("test");
    CHECK_FALSE(refused.ok);
    CHECK(refused.error.find(score + ":") != std::string::npos);
    CHECK(refused.error.find("unknown signal 'sender:unknown'") != std::string::npos);
    CHECK(holder.get().get() == in_force);
    auto scratch = holder.get()->detector.make_scratch();
    const auto v = holder.get()->detector.assess(sms_contact("Tai khoan bi khoa, xac thuc tai http://vcb-xacthuc.top"), scratch);
    CHECK(v.calibration.has_value());

    std::filesystem::remove(score);
    std::filesystem::copy_file(kSource + "/signatures/models/sms-score.yaml", score);
    CHECK(reloader.reload("test").ok);
    CHECK(holder.get().get() != in_force);
}

TEST_CASE("Reloader: a bad host model (truncated, or an SMS text model) is refused by name and the set in force keeps its host model") {
    const test_support::TempDir dir("reload-host-model");
    const std::string host_model = dir / "host.model";
    const std::string shipped = kSource + "/signatures/models/url-host.model";
    std::filesystem::copy_file(shipped, host_model);
    const std::string config = dir / "scamgate.yaml";
    write_golden_config(config, "host_model", host_model);
    std::ostringstream log_text;
    Logger log{log_text};
    auto load = [&] { return std::make_shared<const policy::Detection>(load_detection(load_config(config), {}, log)); };
    policy::DetectionHolder holder(load());
    const policy::Detection* in_force = holder.get().get();
    REQUIRE(in_force->detector.host_model() != nullptr);
    CHECK(in_force->detector.host_model()->path() == host_model);
    Reloader reloader(holder, load, log);

    std::filesystem::resize_file(host_model, std::filesystem::file_size(host_model) - 100);
    const ReloadResult truncated = reloader.reload("test");
    CHECK_FALSE(truncated.ok);
    CHECK(truncated.error.find(host_model + ": ") != std::string::npos);
    CHECK(truncated.error.find("truncated") != std::string::npos);
    CHECK(truncated.error.find("detection.host_model") != std::string::npos);
    CHECK(holder.get().get() == in_force);
    REQUIRE(holder.get()->detector.host_model() != nullptr);

    // An SMS text model where the host model belongs.
    std::filesystem::remove(host_model);
    std::filesystem::copy_file(kSource + "/signatures/models/sms-text.model", host_model);
    const ReloadResult wrong_kind = reloader.reload("test");
    CHECK_FALSE(wrong_kind.ok);
    CHECK(wrong_kind.error.find(host_model + ": kind: sms_text where a model of kind url_host is needed") !=
          std::string::npos);
    CHECK(holder.get().get() == in_force);

    std::filesystem::remove(host_model);
    std::filesystem::copy_file(shipped, host_model);
    CHECK(reloader.reload("test").ok);
    CHECK(holder.get().get() != in_force);
    CHECK(holder.get()->detector.host_model() != nullptr);
}

TEST_CASE("Reloader: a behaviour override naming an unknown trunk is refused by FILE:LINE, the overrides in force stay") {
    const test_support::TempDir dir("reload-overrides");
    const std::string config = dir / "scamgate.yaml";
    write_golden_config(config, "cache_dir", "\"\"");
    const std::string good = "behaviour:\n  overrides:\n    - trunk: intl-carrier\n      wangiri: {min_calls: 40}\n";
    std::ofstream(config, std::ios::app) << good;
    std::ostringstream log_text;
    Logger log{log_text};
    auto load = [&] { return std::make_shared<const policy::Detection>(load_detection(load_config(config), {}, log)); };
    policy::DetectionHolder holder(load());
    const policy::Detection* in_force = holder.get().get();
    REQUIRE(in_force->behaviour_overrides.size() == 1);
    CHECK(in_force->behaviour_overrides.select(in_force->behaviour, "4420", "intl-carrier").wangiri.min_calls == 40);
    {
        // What a running stage reads: the snapshot names the set's base and its overrides.
        const policy::DetectionSnapshot snapshot = holder.current();
        CHECK(snapshot.behaviour == &in_force->behaviour);
        CHECK(snapshot.behaviour_overrides == &in_force->behaviour_overrides);
    }
    Reloader reloader(holder, load, log);

    write_golden_config(config, "cache_dir", "\"\"");
    std::ofstream(config, std::ios::app) << "behaviour:\n  overrides:\n    - trunk: no-such-trunk\n      wangiri: {min_calls: 5}\n";
    const ReloadResult refused = reloader.reload("test");
    CHECK_FALSE(refused.ok);
    CHECK(refused.error.find(config + ":") != std::string::npos);
    CHECK(refused.error.find("trunk 'no-such-trunk', which is not configured") != std::string::npos);
    CHECK(holder.get().get() == in_force);
    CHECK(holder.get()->behaviour_overrides.select(holder.get()->behaviour, "4420", "intl-carrier").wangiri.min_calls == 40);
}
