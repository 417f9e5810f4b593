#include "redis/event_stream.h"

namespace scamgate::redis {

namespace {

ClientOptions options_for(const EventStreamSettings& settings) {
    ClientOptions options;
    options.endpoint = parse_url(settings.url);
    options.name = "output.redis_stream";
    return options;
}

}  // namespace

EventStream::EventStream(const EventStreamSettings& settings, Logger& log)
    : settings_(settings), client_(options_for(settings), log) {}

Command EventStream::command_for(const EventStreamSettings& settings, std::string_view line) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    Command command;
    auto& args = command.args;
    args.reserve(8);
    args.emplace_back("XADD");
    args.emplace_back(settings.key);
    if (settings.maxlen != 0) {
        // "~": Redis trims whole macro nodes only, far cheaper than an exact MAXLEN.
        args.emplace_back("MAXLEN");
        args.emplace_back("~");
        args.emplace_back(std::to_string(settings.maxlen));
    }
    args.emplace_back("*");
    args.emplace_back("event");
    args.emplace_back(line);
    return command;
}

void EventStream::add(std::string_view line) { client_.enqueue(command_for(settings_, line)); }

}  // namespace scamgate::redis
