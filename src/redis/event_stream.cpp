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
    : settings_(settings), maxlen_(std::to_string(settings.maxlen)), client_(options_for(settings), log) {}

void EventStream::fill(const EventStreamSettings& settings, const std::string& maxlen, std::string_view line,
                       Command& command) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    auto& args = command.args;
    // "MAXLEN ~": Redis trims whole macro nodes only, far cheaper than an exact MAXLEN.
    const bool trim = settings.maxlen != 0;
    args.resize(trim ? 8 : 5);  // strings already there keep their memory
    std::size_t i = 0;
    args[i++].assign("XADD");
    args[i++].assign(settings.key);
    if (trim) {
        args[i++].assign("MAXLEN");
        args[i++].assign("~");
        args[i++].assign(maxlen);
    }
    args[i++].assign("*");
    args[i++].assign("event");
    args[i++].assign(line);
}

Command EventStream::command_for(const EventStreamSettings& settings, std::string_view line) {
    Command command;
    fill(settings, std::to_string(settings.maxlen), line, command);
    return command;
}

void EventStream::add(std::string_view line) {
    Command command = client_.spare();
    fill(settings_, maxlen_, line, command);
    client_.enqueue(std::move(command));
}

}  // namespace scamgate::redis
