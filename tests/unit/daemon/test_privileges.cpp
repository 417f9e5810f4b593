// drop_privileges and describe_credentials. Every case that changes credentials runs in a forked
// child, which checks the kernel's view (getres*id, getgroups, /proc/thread-self/status) and
// reports through a pipe and its exit status; the test process itself never changes user. The
// cases that need root are skipped (doctest::skip, reported as skipped) when run as another user.
#include <doctest/doctest.h>

#include <cap-ng.h>
#include <grp.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "daemon/privileges.h"

using namespace scamgate::daemon;

namespace {

constexpr Capability kNetAdmin[] = {Capability::net_admin};
constexpr Capability kNetAdminRaw[] = {Capability::net_admin, Capability::net_raw};

constexpr std::uint64_t bit(unsigned cap) { return std::uint64_t{1} << cap; }

struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

Account account(const char* name) {
    const passwd* p = getpwnam(name);
    REQUIRE_MESSAGE(p != nullptr, "the test needs the user ", name);
    return Account{p->pw_name, p->pw_uid, p->pw_gid};
}

gid_t group_id(const char* name) {
    const group* g = getgrnam(name);
    REQUIRE_MESSAGE(g != nullptr, "the test needs the group ", name);
    return g->gr_gid;
}

std::string group_name(gid_t gid) {
    const group* g = getgrgid(gid);
    return g ? g->gr_name : std::to_string(gid);
}

// A capability mask (CapEff, CapPrm, CapBnd, ...) from a /proc status file; all bits set when the
// field cannot be read, so every check on it fails.
std::uint64_t cap_mask(const std::string& status_path, const std::string& field) {
    std::ifstream in(status_path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    }
    return ~std::uint64_t{0};
}

std::uint64_t own_caps(const std::string& field) { return cap_mask("/proc/thread-self/status", field); }

// Failures seen in the child, as text for the parent's report.
struct Report {
    std::string text;
    void expect(bool ok, const std::string& what) {
        if (!ok) text += what + "; ";
    }
};

struct ChildResult {
    int exit_status = -1;  // -1: killed by a signal
    std::string report;
};

// Runs `body` in a forked child and returns its exit status (0 when its report is empty) and report.
ChildResult in_child(const std::function<void(Report&)>& body) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        Report report;
        try {
            body(report);
        } catch (const std::exception& e) {
            report.expect(false, std::string("exception: ") + e.what());
        }
        const std::string& text = report.text;
        for (std::size_t done = 0; done < text.size();) {
            const ssize_t n = write(fds[1], text.data() + done, text.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        _exit(text.empty() ? 0 : 1);
    }
    close(fds[1]);
    ChildResult result;
    char buffer[512];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) result.report.append(buffer, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    return result;
}

void check_child(const std::function<void(Report&)>& body) {
    const ChildResult result = in_child(body);
    CHECK(result.exit_status == 0);
    CHECK(result.report == "");
}

bool contains(const std::optional<std::string>& error, const std::string& part) {
    return error && error->find(part) != std::string::npos;
}

void expect_identity(Report& r, const Account& user, gid_t gid) {
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    r.expect(ruid == user.uid && euid == user.uid && suid == user.uid, "uids are " + std::to_string(ruid) + "/" +
                                                                           std::to_string(euid) + "/" + std::to_string(suid));
    r.expect(rgid == gid && egid == gid && sgid == gid,
             "gids are " + std::to_string(rgid) + "/" + std::to_string(egid) + "/" + std::to_string(sgid));
    std::vector<gid_t> groups(64);
    const int count = getgroups(static_cast<int>(groups.size()), groups.data());
    r.expect(count == 0 || (count == 1 && groups[0] == gid), "supplementary groups left: " + std::to_string(count));
}

// Puts the calling (root) process where a service manager with this bounding set would: the
// bounding, permitted and effective sets hold exactly `caps`.
void restrict_caps_to(Report& r, std::initializer_list<unsigned> caps) {
    capng_clear(CAPNG_SELECT_BOTH);
    for (unsigned cap : caps) {
        capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET), cap);
    }
    r.expect(capng_apply(CAPNG_SELECT_BOUNDS) == 0, "restricting the bounding set failed");
    r.expect(capng_apply(CAPNG_SELECT_CAPS) == 0, "restricting the capabilities failed");
}

// Switching user needs root: these cases are skipped (and reported as skipped) otherwise. CI runs
// the unit tests as root.
const bool kNotRoot = geteuid() != 0;

}  // namespace

TEST_CASE("privileges: no user asked is a no-op") {
    check_child([](Report& r) {
        const uid_t uid = geteuid();
        const gid_t gid = getegid();
        const std::uint64_t caps = own_caps("CapEff");
        const auto error = drop_privileges(PrivilegeDrop{}, kNetAdmin);
        r.expect(!error, "error: " + error.value_or(""));
        r.expect(geteuid() == uid && getegid() == gid, "the user or group changed");
        r.expect(own_caps("CapEff") == caps, "the capabilities changed");
    });
}

TEST_CASE("privileges: an unknown user or group is named in the error") {
    const auto no_user = drop_privileges(PrivilegeDrop{"scamgate-test-no-such-user", ""}, kNetAdmin);
    CHECK(contains(no_user, "unknown user 'scamgate-test-no-such-user'"));
    const auto no_group = drop_privileges(PrivilegeDrop{"nobody", "scamgate-test-no-such-group"}, kNetAdmin);
    CHECK(contains(no_group, "unknown group 'scamgate-test-no-such-group'"));
}

TEST_CASE("privileges: switching to root is refused") {
    const auto error = drop_privileges(PrivilegeDrop{"root", ""}, kNetAdmin);
    CHECK(contains(error, "refusing to switch to user 'root'"));
}

TEST_CASE("privileges: without root, switching user fails with 'needs root'") {
    // As root, first become nobody in a child (plain set*id, no capabilities kept), so the case
    // runs whoever runs the tests.
    const Account nobody = account("nobody");
    const char* other = geteuid() == nobody.uid ? "daemon" : "nobody";
    if (geteuid() != 0) {
        const auto error = drop_privileges(PrivilegeDrop{other, ""}, kNetAdmin);
        CHECK(contains(error, "needs root"));
        CHECK(contains(error, std::string("'") + other + "'"));
        return;
    }
    check_child([&](Report& r) {
        r.expect(setgroups(0, nullptr) == 0 && setresgid(nobody.gid, nobody.gid, nobody.gid) == 0 &&
                     setresuid(nobody.uid, nobody.uid, nobody.uid) == 0,
                 "becoming nobody failed");
        const auto error = drop_privileges(PrivilegeDrop{"daemon", ""}, kNetAdmin);
        r.expect(contains(error, "needs root") && contains(error, "'daemon'"), "error: " + error.value_or("none"));
        const auto same = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdmin);
        r.expect(!same, "already nobody, but: " + same.value_or(""));
    });
}

TEST_CASE("privileges: as root, switches to nobody keeping only CAP_NET_ADMIN" * doctest::skip(kNotRoot)) {
    const Account nobody = account("nobody");
    const gid_t extra[] = {group_id("daemon"), group_id("adm")};
    check_child([&](Report& r) {
        const bool had_setpcap = (own_caps("CapPrm") & bit(CAP_SETPCAP)) != 0;
        // A thread started before the switch changes user too but keeps no capability.
        std::atomic<pid_t> helper_tid{0};
        std::atomic<bool> release{false};
        std::thread helper([&] {
            helper_tid = static_cast<pid_t>(syscall(SYS_gettid));
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        while (helper_tid == 0) std::this_thread::yield();
        r.expect(setgroups(2, extra) == 0, "setting supplementary groups before the switch failed");

        const auto error = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdmin);
        r.expect(!error, "error: " + error.value_or(""));
        expect_identity(r, nobody, nobody.gid);
        const std::uint64_t eff = own_caps("CapEff");
        r.expect((eff & bit(CAP_NET_ADMIN)) != 0, "CAP_NET_ADMIN is not effective");
        r.expect((eff & bit(CAP_SYS_ADMIN)) == 0, "CAP_SYS_ADMIN is effective");
        r.expect((eff & bit(CAP_SETUID)) == 0, "CAP_SETUID is effective");
        r.expect(eff == bit(CAP_NET_ADMIN), fmt::format("CapEff is {:#x}", eff));
        r.expect(own_caps("CapPrm") == bit(CAP_NET_ADMIN), "CapPrm holds more than CAP_NET_ADMIN");
        r.expect(own_caps("CapInh") == 0 && own_caps("CapAmb") == 0, "inheritable or ambient capabilities left");
        if (had_setpcap) r.expect(own_caps("CapBnd") == 0, "the bounding set was not cleared");
        r.expect(setuid(0) != 0, "setuid(0) succeeded after the switch");
        const std::string helper_status = "/proc/self/task/" + std::to_string(helper_tid.load()) + "/status";
        r.expect(cap_mask(helper_status, "CapEff") == 0 && cap_mask(helper_status, "CapPrm") == 0,
                 "the other thread kept capabilities");
        release = true;
        helper.join();

        const std::string expected = "running as nobody:" + group_name(nobody.gid) + ", capabilities cap_net_admin";
        r.expect(describe_credentials() == expected, "describe_credentials: " + describe_credentials());
        const auto again = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdmin);
        r.expect(!again, "a second switch to the same user: " + again.value_or(""));
        const auto other = drop_privileges(PrivilegeDrop{"daemon", ""}, kNetAdmin);
        r.expect(contains(other, "needs root"), "switching on to daemon: " + other.value_or("no error"));
    });
}

TEST_CASE("privileges: as root, passive mode keeps no capability and takes the given group" * doctest::skip(kNotRoot)) {
    const Account nobody = account("nobody");
    const gid_t daemon_gid = group_id("daemon");
    check_child([&](Report& r) {
        const auto error = drop_privileges(PrivilegeDrop{"nobody", "daemon"}, {});
        r.expect(!error, "error: " + error.value_or(""));
        expect_identity(r, nobody, daemon_gid);
        r.expect(own_caps("CapEff") == 0 && own_caps("CapPrm") == 0, "capabilities left");
        r.expect(describe_credentials() == "running as nobody:daemon, capabilities none",
                 "describe_credentials: " + describe_credentials());
    });
}

TEST_CASE("privileges: as root under the unit's bounding set (no CAP_SETPCAP), the bounding set is left" * doctest::skip(kNotRoot)) {
    const Account nobody = account("nobody");
    check_child([&](Report& r) {
        restrict_caps_to(r, {CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SETGID});
        const auto error = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdminRaw);
        r.expect(!error, "error: " + error.value_or(""));
        expect_identity(r, nobody, nobody.gid);
        const std::uint64_t kept = bit(CAP_NET_ADMIN) | bit(CAP_NET_RAW);
        r.expect(own_caps("CapEff") == kept && own_caps("CapPrm") == kept, "not exactly net_admin and net_raw");
        r.expect(own_caps("CapBnd") == (kept | bit(CAP_SETUID) | bit(CAP_SETGID)), "the bounding set changed");
        r.expect(describe_credentials().ends_with("capabilities cap_net_admin,cap_net_raw"),
                 "describe_credentials: " + describe_credentials());
    });
}

TEST_CASE("privileges: as root without a capability to keep, or without CAP_SETUID, the error names it" * doctest::skip(kNotRoot)) {
    check_child([](Report& r) {
        restrict_caps_to(r, {CAP_SETUID, CAP_SETGID});
        const auto error = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdmin);
        r.expect(contains(error, "cannot keep cap_net_admin") && contains(error, "'nobody'"),
                 "error: " + error.value_or("none"));
        r.expect(geteuid() == 0, "the user changed although the switch was refused");
    });
    check_child([](Report& r) {
        restrict_caps_to(r, {CAP_NET_ADMIN});
        const auto error = drop_privileges(PrivilegeDrop{"nobody", ""}, kNetAdmin);
        r.expect(contains(error, "CAP_SETUID"), "error: " + error.value_or("none"));
        r.expect(geteuid() == 0, "the user changed although the switch was refused");
    });
}
