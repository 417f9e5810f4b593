#pragma once
// Dropping root for `scamgate run`: the daemon starts as root, opens what needs root (pcap
// handles, the NFQUEUE bind), then switches to an unprivileged user and keeps only the
// capabilities its packet path still uses (packaging/README.md says which and why).
//
// Capabilities are per thread in Linux. drop_privileges() gives the kept capabilities to the
// calling thread (and to the threads it starts afterwards); every other thread already running
// changes user too (glibc applies set*id to all threads) but loses all its capabilities, since the
// kernel clears them when a thread's uid leaves 0. So call it on the thread that will read and
// verdict the packets.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace scamgate::daemon {

// The capabilities the daemon may keep after the switch.
enum class Capability {
    net_admin,  // CAP_NET_ADMIN: nfnetlink checks it on every verdict; IP_TRANSPARENT reply sockets
    net_raw,    // CAP_NET_RAW: opening packet sockets (an open pcap handle needs nothing more)
};

// "cap_net_admin", "cap_net_raw".
std::string_view capability_name(Capability cap);

struct PrivilegeDrop {
    std::string user;   // user name; empty: no change at all (drop_privileges does nothing)
    std::string group;  // group name; empty: the user's primary group
};

// Switches the process to `request.user` and its group (`request.group`, or the user's primary
// group), drops every supplementary group and keeps exactly `keep` in the permitted and effective
// sets of the calling thread (inheritable and ambient cleared; the bounding set cleared too when
// the process has CAP_SETPCAP, otherwise left as the service manager set it).
//
// Returns nothing on success, or a message naming the user (or group) and what to do:
//  - an empty user: nothing is done, whoever runs the process (as root, it stays root);
//  - an unknown user or group, or a user with uid 0 (refused);
//  - already running as that user and group, not as root: nothing is done (a service manager
//    started the process as that user); any other user switch needs root;
//  - a capability in `keep`, CAP_SETUID or CAP_SETGID missing from the process;
//  - a failing setresgid/setgroups/setresuid/capset (with errno's text). After such a failure
//    the process may be half switched: stop it.
std::optional<std::string> drop_privileges(const PrivilegeDrop& request, std::span<const Capability> keep);

// The calling thread's credentials for the log, e.g. "running as scamgate:scamgate, capabilities
// cap_net_admin,cap_net_raw" ("capabilities none"; ", supplementary groups adm,wheel" when it
// has any besides its group). Names fall back to numbers when the user or group has no entry.
std::string describe_credentials();

}  // namespace scamgate::daemon
