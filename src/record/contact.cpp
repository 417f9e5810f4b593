#include "record/contact.h"

namespace scamgate::record {

const char* call_end_name(CallEnd end) {
    switch (end) {
        case CallEnd::bye: return "bye";
        case CallEnd::cancel: return "cancel";
        case CallEnd::rejected: return "rejected";
        case CallEnd::timeout: return "timeout";
        case CallEnd::capture_end: return "capture_end";
        case CallEnd::evicted: return "evicted";
    }
    return "unknown";
}

}  // namespace scamgate::record
