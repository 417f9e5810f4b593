#include "daemon/reload.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <chrono>
#include <iterator>
#include <ostream>
#include <utility>

#include <fmt/format.h>

namespace scamgate::daemon {

ReloadResult Reloader::reload(const std::string& why) {
    std::lock_guard lock(mutex_);
    activity_.begin();
    log_.info("reload ({}): loading the configuration, plan, lists, signature packs and policy", why);
    ReloadResult result;
    try {
        std::shared_ptr<const policy::Detection> next = loader_();
        result.signatures = next->detector.engine().signatures().size();
        const std::size_t rules = next->policy.rules.size();
        holder_.replace(std::move(next));
        result.ok = true;
        ++successes_;
        log_.info("reload ({}): in force: {} signatures, {} policy rules", why, result.signatures, rules);
    } catch (const std::exception& e) {
        result.error = e.what();
        ++failures_;
        log_.error("reload ({}) failed, the previous configuration stays in force: {}", why, result.error);
    }
    activity_.end();
    last_time_.store(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    last_result_.store(result.ok ? 1 : 2);
    return result;
}

void Reloader::append_stats(StatsReport& report) const {
    report.set("reload.successes", successes_.load());
    report.set("reload.failures", failures_.load());
    if (const int last = last_result_.load(); last != 0) {
        report.set("reload.last_success", last == 1 ? 1 : 0);
        report.set("reload.last_time", static_cast<std::uint64_t>(last_time_.load()));
    }
}

std::string default_control_path() {
    if (geteuid() == 0) return "/run/scamgate/control.sock";
    if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir != nullptr && *dir != '\0') {
        return std::string(dir) + "/scamgate.sock";
    }
    return fmt::format("/tmp/scamgate-{}.sock", geteuid());
}

namespace {

constexpr int kControlNice = 10;

bool fill_address(const std::string& path, sockaddr_un& address) {
    address = {};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path)) return false;
    std::memcpy(address.sun_path, path.data(), path.size());
    return true;
}

// Makes the listening socket, or returns -1 with the reason logged.
int listen_on(const std::string& path, Logger& log) {
    sockaddr_un address;
    if (!fill_address(path, address)) {
        log.warn("control socket '{}': path empty or too long; reload with SIGHUP only", path);
        return -1;
    }
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (!ec) ::chmod(dir.c_str(), 0700);
    }
    // A socket left by an earlier run is replaced; anything else at the path is left alone.
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            log.warn("control socket '{}': something that is not a socket is there; reload with SIGHUP only", path);
            return -1;
        }
        ::unlink(path.c_str());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log.warn("control socket '{}': {}; reload with SIGHUP only", path, std::strerror(errno));
        return -1;
    }
    const mode_t previous = ::umask(0177);  // the socket is made 0600
    const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    const int bind_errno = errno;
    ::umask(previous);
    if (bound != 0 || ::listen(fd, 4) != 0) {
        log.warn("control socket '{}': {}; reload with SIGHUP only", path, std::strerror(bound != 0 ? bind_errno : errno));
        ::close(fd);
        return -1;
    }
    ::chmod(path.c_str(), 0600);
    return fd;
}

}  // namespace

ControlServer::ControlServer(Reloader& reloader, const std::string& path, std::atomic<bool>& hup, Logger& log,
                             LearnedControl* learned)
    : reloader_(reloader), learned_(learned), path_(path), log_(log), hup_(hup) {
    listen_fd_ = listen_on(path_, log_);
    if (listen_fd_ >= 0) log_.info("control socket {}: `scamgate reload --control {}` (or SIGHUP) reloads", path_, path_);
    thread_ = std::thread([this] { serve(); });
}

ControlServer::~ControlServer() {
    done_ = true;
    thread_.join();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
    }
}

void ControlServer::serve() {
    // Linux applies nice per thread: this lowers only the control thread.
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kControlNice) != 0) {
        log_.warn("control thread: cannot lower its priority: {}", std::strerror(errno));
    }
    while (!done_.load()) {
        if (hup_.exchange(false)) reloader_.reload("SIGHUP");
        reloader_.collect();
        if (learned_ != nullptr) learned_->save_if_changed();
        if (listen_fd_ < 0) {
            ::usleep(50'000);
            continue;
        }
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        answer(client);
        ::close(client);
    }
}

namespace {

constexpr std::size_t kMaxImport = 64u << 20;  // 64 MiB: a few hundred thousand entries

// Reads from `client` until `done(text)` or the peer closes, each read within 2 s, up to `max` bytes.
template <typename Done>
void read_until(int client, std::string& text, std::size_t max, Done done) {
    char buf[4096];
    while (!done(text) && text.size() < max) {
        pollfd p{client, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) break;
        const ssize_t n = ::read(client, buf, sizeof(buf));
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

void ControlServer::answer(int client) {
    // One line, read within 2 s; "reload" or "lists ..." ("lists import" then reads the entries
    // until the client shuts its side down); anything else is refused.
    std::string text;
    read_until(client, text, 1024, [](const std::string& t) { return t.find('\n') != std::string::npos; });
    const auto nl = text.find('\n');
    std::string line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reply;
    if (line == "reload") {
        const ReloadResult r = reloader_.reload("control socket");
        reply = r.ok ? fmt::format("ok {} signatures\n", r.signatures) : fmt::format("error {}\n", r.error);
    } else if (line.rfind("lists ", 0) == 0 && learned_ == nullptr) {
        reply = "error no learned list in this run (lists.learned is empty)\n";
    } else if (line.rfind("lists ", 0) == 0) {
        std::string body = nl == std::string::npos ? std::string() : text.substr(nl + 1);
        if (line == "lists import") read_until(client, body, kMaxImport, [](const std::string&) { return false; });
        reply = learned_->answer(std::string_view(line).substr(6), body);
    } else {
        reply = fmt::format("error unknown command '{}'; the commands are reload and lists ...\n", line);
    }
    std::size_t sent = 0;
    while (sent < reply.size()) {
        const ssize_t n = ::send(client, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
}

std::optional<std::string> control_request(const std::string& path, const std::string& request, std::string_view body,
                                           Logger& log) {
    sockaddr_un address;
    if (!fill_address(path, address)) {
        log.error("control socket path '{}' is empty or too long", path);
        return std::nullopt;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        log.error("cannot connect to the control socket '{}': {}; is `scamgate run` running (--control PATH)?", path,
                  std::strerror(errno));
        if (fd >= 0) ::close(fd);
        return std::nullopt;
    }
    const std::string message = request + "\n" + std::string(body);
    std::size_t sent = 0;
    while (sent < message.size()) {
        const ssize_t n = ::send(fd, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            log.error("control socket '{}': {}", path, std::strerror(errno));
            ::close(fd);
            return std::nullopt;
        }
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (reply.empty()) {
        log.error("control socket '{}': no answer", path);
        return std::nullopt;
    }
    return reply;
}

int send_reload(const std::string& path, std::ostream& out, Logger& log) {
    sockaddr_un address;
    if (!fill_address(path, address)) {
        log.error("control socket path '{}' is empty or too long", path);
        return 1;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        log.error("cannot connect to the control socket '{}': {}; is `scamgate run` running (--control PATH)?", path,
                  std::strerror(errno));
        if (fd >= 0) ::close(fd);
        return 1;
    }
    const std::string request = "reload\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        log.error("control socket '{}': {}", path, std::strerror(errno));
        ::close(fd);
        return 1;
    }
    std::string reply;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (reply.empty()) {
        log.error("control socket '{}': no answer", path);
        return 1;
    }
    if (reply.back() != '\n') reply += '\n';
    out << reply;
    out.flush();
    return reply.rfind("ok ", 0) == 0 ? 0 : 1;
}

}  // namespace scamgate::daemon
