#!/usr/bin/env python3
"""Writes a pcap of hostile SMS traffic for test_bad_input.sh: one SMPP connection (ESME to SMSC
port 2775) carrying a bind, submit_sm with an odd UCS-2 byte count, an unpaired surrogate, a UDH
length past the payload, a GSM septet with bit 7 set, a submit_sm whose sm_length runs past the
PDU, then N first parts of 3-part messages that never complete; and a SIP MESSAGE whose 3GPP
TPDU claims more septets than it carries.
Usage: make_bad_sms_pcap.py OUT.pcap [N]"""
import struct
import sys

ESME, SMSC = bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(proto: int, payload: bytes, src=ESME, dst=SMSC) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + header + payload


def tcp(seq: int, data: bytes, sport=40000, dport=2775) -> bytes:
    segment = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, 0x18, 65535, 0, 0) + data
    pseudo = ESME + SMSC + struct.pack("!BBH", 0, 6, len(segment))
    return ipv4(6, segment[:16] + struct.pack("!H", checksum(pseudo + segment)) + segment[18:])


def udp(data: bytes, sport=5060, dport=5060) -> bytes:
    return ipv4(17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data)


def pdu(command: int, seq: int, body: bytes, length=None) -> bytes:
    return struct.pack("!IIII", length if length is not None else 16 + len(body), command, 0, seq) + body


def submit(seq: int, short_message: bytes, data_coding=0, esm_class=0, dest=b"84912345678", sm_length=None) -> bytes:
    body = b"\0" + b"\x05\0VCB\0" + b"\x01\x01" + dest + b"\0" + bytes([esm_class, 0, 0]) + b"\0\0"
    body += bytes([0, 0, data_coding, 0, len(short_message) if sm_length is None else sm_length]) + short_message
    return pdu(4, seq, body)


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    pdus = [pdu(9, 1, b"bad-esme\0never-logged\0\0\x34\0\0\0")]
    pdus.append(submit(2, "odd".encode("utf-16-be") + b"\x41", data_coding=8))
    pdus.append(submit(3, b"\xd8\x3d\x00\x41", data_coding=8))           # high surrogate then 'A'
    pdus.append(submit(4, bytes([40, 0, 3, 1, 2, 1]) + b"hi", esm_class=0x40))  # UDHL 40 > payload
    pdus.append(submit(5, b"a\x80b"))                                     # septet with bit 7 set
    pdus.append(submit(6, b"short", sm_length=200))                       # sm_length past the PDU
    for i in range(n):
        dest = b"849%08d" % i
        pdus.append(submit(100 + i, bytes([5, 0, 3, i % 256, 3, 1]) + b"part one", esm_class=0x40, dest=dest))
    frames, seq = [], 1000
    stream = b"".join(pdus)
    for at in range(0, len(stream), 1400):
        chunk = stream[at:at + 1400]
        frames.append(tcp(seq, chunk))
        seq += len(chunk)
    # RP-DATA MS->network, SMS-SUBMIT to +84912345678 claiming 160 septets with 3 octets of data.
    tpdu = bytes([0x01, 0x07, 0x0B, 0x91]) + bytes.fromhex("4819325476F8") + bytes([0, 0, 160, 0xE8, 0x32, 0x9B])
    rp = bytes([0x00, 0x07, 0x00, 0x07, 0x91]) + bytes.fromhex("4890000000F0") + bytes([len(tpdu)]) + tpdu
    head = ("MESSAGE sip:+84900000000@ims.example.vn SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.0.1:5060;branch=z9hG4bKbad\r\n"
            "From: <sip:+84911111111@ims.example.vn>;tag=1\r\nTo: <sip:+84900000000@ims.example.vn>\r\n"
            "Call-ID: bad-sms@10.9.0.1\r\nCSeq: 1 MESSAGE\r\nContent-Type: application/vnd.3gpp.sms\r\n"
            f"Content-Length: {len(rp)}\r\n\r\n").encode()
    frames.append(udp(head + rp))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i // 100, (i % 100) * 1000, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
