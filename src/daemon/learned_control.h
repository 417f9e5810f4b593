#pragma once
// `scamgate run`'s side of the learned block list (lists.learned): the "lists ..." requests of the
// control socket (`scamgate lists show|add|remove|export|import`) and the file kept in step with
// the table: written atomically at most once a second after a change (on the control thread, off
// the packet path) and at shutdown.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/log.h"
#include "lists/learned_list.h"

namespace scamgate::daemon {

class LearnedControl {
public:
    // `list` (not owned) outlives this; `path` may be empty (nothing written).
    LearnedControl(lists::LearnedList& list, std::string path, Logger& log);

    // One request line without its "lists " prefix ("show", "add ENTRY [TTL]", "remove ENTRY",
    // "export", "import"), and for import the entries' text that followed it. The reply is
    // "ok ...\n" (then, for show and export, the text) or "error MESSAGE\n".
    std::string answer(std::string_view request, std::string_view body);

    // Writes the file when the list changed since the last write and that write is at least a
    // second old; `force` (shutdown) writes any change at once. Drops wall-clock-expired entries
    // first. A failed write is logged and retried on the next call.
    void save_if_changed(bool force = false);

private:
    lists::LearnedList& list_;
    std::string path_;
    Logger& log_;
    std::mutex save_mutex_;
    std::uint64_t saved_version_ = 0;
    std::chrono::steady_clock::time_point last_save_{};
};

// Wall-clock Unix seconds (entries added through the socket start now).
std::int64_t unix_now();

}  // namespace scamgate::daemon
