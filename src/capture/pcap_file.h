#pragma once
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "capture/packet.h"

struct pcap;  // libpcap's handle type, kept out of this header

namespace scamgate::capture {

class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a pcap or pcapng file through libpcap with nanosecond timestamps.
class PcapFileReader {
public:
    // Throws CaptureError (with libpcap's reason) when the file cannot be opened.
    explicit PcapFileReader(const std::string& path);
    ~PcapFileReader();
    PcapFileReader(const PcapFileReader&) = delete;
    PcapFileReader& operator=(const PcapFileReader&) = delete;

    const std::string& path() const { return path_; }
    int linktype() const { return linktype_; }
    std::string linktype_name() const;
    int snaplen() const;

    // The next packet, or nullopt at the end of the file or at a read error (see error()).
    // The returned data stays valid until the next call.
    std::optional<Packet> next();

    // Non-empty when reading stopped early, e.g. "truncated dump file; tried to read ...".
    const std::string& error() const { return error_; }

private:
    struct PcapCloser {
        void operator()(::pcap* handle) const;
    };
    std::string path_;
    std::unique_ptr<::pcap, PcapCloser> handle_;
    int linktype_ = 0;
    std::uint64_t count_ = 0;
    std::string error_;
};

}  // namespace scamgate::capture
