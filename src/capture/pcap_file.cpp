#include "capture/pcap_file.h"

#include <pcap/pcap.h>

namespace scamgate::capture {

void PcapFileReader::PcapCloser::operator()(::pcap* handle) const { pcap_close(handle); }

PcapFileReader::PcapFileReader(const std::string& path) : path_(path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_.reset(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!handle_) throw CaptureError("cannot read " + path + ": " + errbuf);
    linktype_ = pcap_datalink(handle_.get());
}

PcapFileReader::~PcapFileReader() = default;

std::string PcapFileReader::linktype_name() const {
    const char* name = pcap_datalink_val_to_name(linktype_);
    return name ? name : "unknown";
}

int PcapFileReader::snaplen() const { return pcap_snapshot(handle_.get()); }

std::optional<Packet> PcapFileReader::next() {
    struct pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(handle_.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) return std::nullopt;
    if (rc != 1) {
        error_ = pcap_geterr(handle_.get());
        return std::nullopt;
    }
    Packet packet;
    // With nanosecond precision requested, libpcap puts nanoseconds in tv_usec.
    packet.ts = static_cast<Timestamp>(header->ts.tv_sec) * kNanosPerSecond + header->ts.tv_usec;
    packet.linktype = linktype_;
    packet.data = ByteView(data, header->caplen);
    packet.wire_length = header->len;
    packet.number = ++count_;
    return packet;
}

}  // namespace scamgate::capture
