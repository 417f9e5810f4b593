#pragma once
// A real redis-server for the tests, on a Unix socket in its own temporary folder (no TCP port, no
// persistence), killed when the object goes. Tests mark themselves
// doctest::skip(!redis_server_installed()) so a machine without redis-server reports a skip.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include "temp_files.h"

extern char** environ;

namespace scamgate::test_support {

inline std::string redis_server_path() {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
        const std::string path = std::string(dir) + "/redis-server";
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

inline bool redis_server_installed() { return !redis_server_path().empty(); }

// Polls `condition` every 5 ms for up to `limit` and returns its last value: what a background
// thread (a client, a sync thread) does reaches Redis or the other side at its own pace, so a test
// waits for it instead of sleeping a time that assumes a speed.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) return condition();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

struct RedisContextFree {
    void operator()(redisContext* c) const { redisFree(c); }
};
using RedisConnection = std::unique_ptr<redisContext, RedisContextFree>;
struct RedisReplyFree {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

class RedisServer {
public:
    RedisServer() : dir_("redis") { start(); }
    ~RedisServer() { kill(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::string socket() const { return dir_ / "r.sock"; }
    std::string url() const { return "unix://" + socket(); }

    // Starts redis-server on socket() and waits until it answers PING (throws after 10 s).
    void start() {
        std::filesystem::remove(socket());
        const std::vector<std::string> args = {redis_server_path(), "--port", "0", "--unixsocket", socket(),
                                               "--save", "", "--appendonly", "no", "--daemonize", "no",
                                               "--logfile", dir_ / "redis.log", "--dir", dir_.path()};
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start redis-server");
        }
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < until) {
            if (auto c = connect(); c) {
                RedisReplyPtr pong(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
                if (pong && pong->type == REDIS_REPLY_STATUS) return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill();
        throw std::runtime_error("redis-server did not answer on " + socket());
    }

    // SIGKILL: the server is gone at once, as in a crash.
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    // A connection of the test's own, to look at what arrived; null when the server is down.
    RedisConnection connect() const {
        RedisConnection c(redisConnectUnix(socket().c_str()));
        if (!c || c->err != 0) return nullptr;
        return c;
    }

    // A command on a fresh connection of the test's own; throws when it fails.
    RedisReplyPtr command(const std::vector<std::string>& args) const {
        auto c = connect();
        if (!c) throw std::runtime_error("cannot connect to " + socket());
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        RedisReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
        if (!reply) throw std::runtime_error("no reply from " + socket());
        return reply;
    }

private:
    TempDir dir_;
    pid_t pid_ = -1;
};

}  // namespace scamgate::test_support
