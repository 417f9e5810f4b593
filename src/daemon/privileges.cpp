#include "daemon/privileges.h"

#include <cap-ng.h>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace scamgate::daemon {
namespace {

struct Identity {
    std::string user;
    uid_t uid = 0;
    std::string group;
    gid_t gid = 0;
};

struct UserEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct GroupEntry {
    std::string name;
    gid_t gid = 0;
};

// Runs a getpw*_r / getgr*_r lookup, growing its buffer on ERANGE, and converts the entry with
// `take` while the buffer its strings point into is alive. Nothing when there is no entry (or the
// lookup fails).
template <typename Entry, typename Lookup, typename Take>
auto find_entry(Lookup lookup, Take take) -> std::optional<decltype(take(std::declval<const Entry&>()))> {
    const long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
    for (;;) {
        Entry entry{};
        Entry* result = nullptr;
        const int rc = lookup(&entry, buffer.data(), buffer.size(), &result);
        if (rc == ERANGE && buffer.size() < (std::size_t{1} << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc != 0 || result == nullptr) return std::nullopt;
        return take(entry);
    }
}

UserEntry take_user(const passwd& p) { return UserEntry{p.pw_name, p.pw_uid, p.pw_gid}; }
GroupEntry take_group(const group& g) { return GroupEntry{g.gr_name, g.gr_gid}; }

std::optional<UserEntry> find_user(const std::string& name) {
    return find_entry<passwd>(
        [&](passwd* e, char* b, std::size_t n, passwd** r) { return getpwnam_r(name.c_str(), e, b, n, r); }, take_user);
}

std::optional<UserEntry> find_user(uid_t uid) {
    return find_entry<passwd>([&](passwd* e, char* b, std::size_t n, passwd** r) { return getpwuid_r(uid, e, b, n, r); },
                              take_user);
}

std::optional<GroupEntry> find_group(const std::string& name) {
    return find_entry<group>(
        [&](group* e, char* b, std::size_t n, group** r) { return getgrnam_r(name.c_str(), e, b, n, r); }, take_group);
}

std::optional<GroupEntry> find_group(gid_t gid) {
    return find_entry<group>([&](group* e, char* b, std::size_t n, group** r) { return getgrgid_r(gid, e, b, n, r); },
                             take_group);
}

std::string user_name(uid_t uid) {
    auto user = find_user(uid);
    return user ? user->name : std::to_string(uid);
}

std::string group_name(gid_t gid) {
    auto group = find_group(gid);
    return group ? group->name : std::to_string(gid);
}

struct Resolved {
    Identity identity;
    std::string error;
};

// The user and group the request names, with their ids.
Resolved resolve(const PrivilegeDrop& request) {
    auto user = find_user(request.user);
    if (!user) {
        return {{},
                fmt::format("unknown user '{}': create it (systemd-sysusers with packaging/scamgate.sysusers, or "
                            "useradd --system --no-create-home --shell /usr/sbin/nologin {}) or name an existing user",
                            request.user, request.user)};
    }
    Identity id{user->name, user->uid, group_name(user->gid), user->gid};
    if (request.group.empty()) return {id, {}};
    auto group = find_group(request.group);
    if (!group) {
        return {{},
                fmt::format("unknown group '{}' (for user '{}'): create it (groupadd --system {}) or leave the group "
                            "unset to use the user's primary group '{}'",
                            request.group, request.user, request.group, id.group)};
    }
    id.group = group->name;
    id.gid = group->gid;
    return {id, {}};
}

std::string who(const Identity& id) { return fmt::format("'{}' (uid {}, group '{}' gid {})", id.user, id.uid, id.group, id.gid); }

bool already(const Identity& id) {
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) return false;
    return ruid == id.uid && euid == id.uid && suid == id.uid && rgid == id.gid && egid == id.gid && sgid == id.gid;
}

unsigned cap_number(Capability cap) {
    switch (cap) {
        case Capability::net_admin: return CAP_NET_ADMIN;
        case Capability::net_raw: return CAP_NET_RAW;
    }
    return CAP_NET_ADMIN;  // not reached: every enumerator is handled above
}

std::string cap_name(unsigned number) {
    const char* name = capng_capability_to_name(number);
    return name ? fmt::format("cap_{}", name) : fmt::format("cap_{}", number);
}

// The process must hold, in its permitted set, CAP_SETUID and CAP_SETGID for the switch and every
// capability it is to keep: capset can only lower what a thread has.
std::optional<std::string> check_permitted(const Identity& id, std::span<const Capability> keep) {
    if (capng_get_caps_process() != 0) {
        return fmt::format("cannot switch to user {}: reading this process's capabilities failed: {}", who(id),
                           std::strerror(errno));
    }
    if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) != 1 ||
        capng_have_capability(CAPNG_PERMITTED, CAP_SETGID) != 1) {
        return fmt::format("cannot switch to user {}: the process runs as root but without CAP_SETUID and "
                           "CAP_SETGID; the service's CapabilityBoundingSet must include them",
                           who(id));
    }
    for (Capability cap : keep) {
        if (capng_have_capability(CAPNG_PERMITTED, cap_number(cap)) != 1) {
            return fmt::format("cannot keep {} when switching to user {}: the process does not have it; the "
                               "service's CapabilityBoundingSet must include {}",
                               capability_name(cap), who(id), capability_name(cap));
        }
    }
    return std::nullopt;
}

const char* change_id_step(int rc) {
    switch (rc) {
        case -2: return "prctl(PR_SET_KEEPCAPS, 1)";
        case -3: return "capset (taking CAP_SETUID/CAP_SETGID for the switch)";
        case -4: return "setresgid";
        case -5: return "setgroups (dropping the supplementary groups)";
        case -6: return "setresuid";
        case -7: return "prctl(PR_SET_KEEPCAPS, 0)";
        case -8: return "clearing the capability bounding set";
        case -9: return "capset (keeping only the requested capabilities)";
        default: return "capng_change_id";
    }
}

// Checks what the kernel now says against what was asked.
std::optional<std::string> verify(const Identity& id, std::span<const Capability> keep) {
    if (!already(id)) {
        return fmt::format("switched to user {} but the process now runs as uid {} gid {}", who(id), geteuid(),
                           getegid());
    }
    if (capng_get_caps_process() != 0) return std::nullopt;  // the switch itself succeeded
    for (Capability cap : keep) {
        if (capng_have_capability(CAPNG_EFFECTIVE, cap_number(cap)) != 1) {
            return fmt::format("switched to user {} but {} is not effective", who(id), capability_name(cap));
        }
    }
    return std::nullopt;
}

std::optional<std::string> change_id(const Identity& id, std::span<const Capability> keep) {
    const bool can_clear_bounding = capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP) == 1;
    capng_clear(CAPNG_SELECT_BOTH);
    for (Capability cap : keep) {
        capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), cap_number(cap));
    }
    int flags = CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_AMBIENT;
    if (can_clear_bounding) flags |= CAPNG_CLEAR_BOUNDING;
    errno = 0;
    const int rc = capng_change_id(static_cast<int>(id.uid), static_cast<int>(id.gid), static_cast<capng_flags_t>(flags));
    if (rc != 0) {
        const int error = errno;
        return fmt::format("switching to user {} failed at {}: {}; the process may be half switched and should stop",
                           who(id), change_id_step(rc), error ? std::strerror(error) : "unknown error");
    }
    return verify(id, keep);
}

std::string supplementary_groups(gid_t primary) {
    const int count = getgroups(0, nullptr);
    if (count <= 0) return {};
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    const int got = getgroups(count, groups.data());
    std::string out;
    for (int i = 0; i < got; ++i) {
        const gid_t gid = groups[static_cast<std::size_t>(i)];
        if (gid == primary) continue;
        if (!out.empty()) out += ',';
        out += group_name(gid);
    }
    return out;
}

std::string effective_capabilities() {
    if (capng_get_caps_process() != 0) return "unknown";
    std::string out;
    for (unsigned cap = 0; cap < 64; ++cap) {  // capng answers 0 beyond the kernel's last capability
        if (capng_have_capability(CAPNG_EFFECTIVE, cap) != 1) continue;
        if (!out.empty()) out += ',';
        out += cap_name(cap);
    }
    return out.empty() ? "none" : out;
}

}  // namespace

std::string_view capability_name(Capability cap) {
    switch (cap) {
        case Capability::net_admin: return "cap_net_admin";
        case Capability::net_raw: return "cap_net_raw";
    }
    return "cap_unknown";
}

std::optional<std::string> drop_privileges(const PrivilegeDrop& request, std::span<const Capability> keep) {
    if (request.user.empty()) return std::nullopt;
    Resolved resolved = resolve(request);
    if (!resolved.error.empty()) return resolved.error;
    const Identity& id = resolved.identity;
    if (id.uid == 0) {
        return fmt::format("refusing to switch to user {}: uid 0 is root; name an unprivileged user such as scamgate",
                           who(id));
    }
    if (geteuid() != 0) {
        if (already(id)) return std::nullopt;
        return fmt::format("cannot switch to user {}: this process runs as '{}' (uid {}), and changing user needs "
                           "root; start scamgate as root (it switches once the capture is open) or do not ask for a user",
                           who(id), user_name(geteuid()), geteuid());
    }
    if (auto error = check_permitted(id, keep)) return error;
    return change_id(id, keep);
}

std::string describe_credentials() {
    const gid_t gid = getegid();
    std::string out = fmt::format("running as {}:{}, capabilities {}", user_name(geteuid()), group_name(gid),
                                  effective_capabilities());
    const std::string extra = supplementary_groups(gid);
    if (!extra.empty()) out += fmt::format(", supplementary groups {}", extra);
    return out;
}

}  // namespace scamgate::daemon
