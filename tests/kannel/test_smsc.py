#!/usr/bin/env python3
"""scamgate's test SMSC: a small SMPP v3.4 server (Python 3 standard library only).

It is the peer Kannel's bearerbox (the ESME) binds to in scripts/capture-smpp.sh. It does what a
real SMSC does on the wire for the PDUs a gateway uses, and nothing more:

  bind_transceiver / bind_transmitter / bind_receiver -> *_resp with our system_id and the
      sc_interface_version TLV (0x34); a wrong system_id/password gets ESME_RINVSYSID/RINVPASWD
  enquire_link -> enquire_link_resp (and we answer generic_nack to unknown commands)
  submit_sm with a destination TON SMPP does not define (above 6) -> submit_sm_resp
      ESME_RINVDSTTON (0x50), counted as "refused", as a real SMSC validates it;
  submit_sm -> submit_sm_resp with a deterministic message_id (8 hex digits, counter based);
      when registered_delivery asks for a receipt, a delivery receipt deliver_sm follows
      (esm_class 0x04, "id:<msgid> sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD
      err:000 text:<first 20 chars>", TLVs receipted_message_id and message_state=DELIVERED)
  deliver_sm (MO) on request over the control socket; the ESME's deliver_sm_resp is awaited
  unbind -> unbind_resp, connection closed

Every PDU received or sent is logged as one JSON line (--log), with decoded texts.
The password is never logged: only whether it matched.

Control socket (--control PATH, a Unix stream socket; one JSON object per line, one JSON answer
per line):
  {"cmd": "stats"}                                 -> counters
  {"cmd": "wait", "submits": N, "receipts_settled": true, "timeout": S}
                                                   -> waits until the counters reach the values
                                                      (receipts_settled: every receipt due acked)
  {"cmd": "mo", "from": "+8491...", "to": "9029", "text": "...", "coding": 0|8}
                                                   -> sends one deliver_sm, waits for its resp
  {"cmd": "quit"}                                  -> the server exits

The server stops by itself after --max-seconds (a hard bound for test runs).

Client mode for scripts:  test_smsc.py ctl PATH '{"cmd": "stats"}'
"""

import argparse
import asyncio
import json
import os
import signal
import struct
import sys
import time

# ---- SMPP constants -------------------------------------------------------------------------

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
BIND_TRANSCEIVER = 0x00000009
ENQUIRE_LINK = 0x00000015
RESP = 0x80000000

NAMES = {
    0x80000000: "generic_nack", 0x00000001: "bind_receiver", 0x80000001: "bind_receiver_resp",
    0x00000002: "bind_transmitter", 0x80000002: "bind_transmitter_resp",
    0x00000004: "submit_sm", 0x80000004: "submit_sm_resp",
    0x00000005: "deliver_sm", 0x80000005: "deliver_sm_resp",
    0x00000006: "unbind", 0x80000006: "unbind_resp",
    0x00000009: "bind_transceiver", 0x80000009: "bind_transceiver_resp",
    0x00000015: "enquire_link", 0x80000015: "enquire_link_resp",
}

ESME_ROK = 0x00
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RINVDSTTON = 0x50

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_SC_INTERFACE_VERSION = 0x0210
TLV_MESSAGE_STATE = 0x0427
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_MESSAGE_PAYLOAD = 0x0424

# Fixed receipt dates (YYMMDDhhmm) keep the receipts byte-for-byte reproducible.
RECEIPT_DATE = "2611240102"

# ---- GSM 03.38 default alphabet (unpacked, one septet per octet, as carried in SMPP) -----------

GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
assert len(GSM_BASIC) == 128
GSM_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
           0x3E: "]", 0x40: "|", 0x65: "€"}
GSM_ENC = {c: bytes([i]) for i, c in enumerate(GSM_BASIC) if c != "\x1b"}
GSM_ENC.update({c: bytes([0x1B, i]) for i, c in GSM_EXT.items()})


def gsm_encode(text):
    try:
        return b"".join(GSM_ENC[c] for c in text)
    except KeyError as e:
        raise ValueError(f"not in the GSM 7-bit default alphabet: {e}") from None


def gsm_decode(data):
    out, esc = [], False
    for b in data:
        if esc:
            out.append(GSM_EXT.get(b, "?"))
            esc = False
        elif b == 0x1B:
            esc = True
        else:
            out.append(GSM_BASIC[b & 0x7F])
    return "".join(out)


def decode_text(data_coding, data):
    if data_coding == 0x08:
        return data.decode("utf-16-be", errors="replace")
    if data_coding in (0x00, 0x01, 0xF0, 0xF1):  # SMSC default alphabet / IA5: GSM 7-bit unpacked
        return gsm_decode(data) if data_coding != 0x01 else data.decode("ascii", errors="replace")
    if data_coding == 0x03:
        return data.decode("latin-1")
    return data.hex()


# ---- PDU coding -----------------------------------------------------------------------------

class Reader:
    def __init__(self, body):
        self.b, self.i = body, 0

    def cstr(self):
        j = self.b.index(b"\0", self.i)
        s, self.i = self.b[self.i:j], j + 1
        return s.decode("latin-1")

    def u8(self):
        v = self.b[self.i]
        self.i += 1
        return v

    def raw(self, n):
        s = self.b[self.i:self.i + n]
        if len(s) != n:
            raise ValueError("truncated")
        self.i += n
        return s

    def tlvs(self):
        out = {}
        while self.i + 4 <= len(self.b):
            tag, ln = struct.unpack_from(">HH", self.b, self.i)
            self.i += 4
            out[tag] = self.raw(ln)
        return out


def cstr(s):
    return s.encode("latin-1") + b"\0"


def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def pdu(command_id, status, seq, body=b""):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def parse_sm(body):
    """submit_sm / deliver_sm mandatory part + TLVs."""
    r = Reader(body)
    m = {"service_type": r.cstr(), "source_addr_ton": r.u8(), "source_addr_npi": r.u8(),
         "source_addr": r.cstr(), "dest_addr_ton": r.u8(), "dest_addr_npi": r.u8(),
         "destination_addr": r.cstr(), "esm_class": r.u8(), "protocol_id": r.u8(),
         "priority_flag": r.u8(), "schedule_delivery_time": r.cstr(), "validity_period": r.cstr(),
         "registered_delivery": r.u8(), "replace_if_present_flag": r.u8(), "data_coding": r.u8(),
         "sm_default_msg_id": r.u8()}
    m["short_message"] = r.raw(r.u8())
    m["tlvs"] = r.tlvs()
    return m


def sm_body(src_ton, src_npi, src, dst_ton, dst_npi, dst, esm_class, data_coding, short_message,
            registered_delivery=0, tlvs=b""):
    return (cstr("") + bytes([src_ton, src_npi]) + cstr(src) + bytes([dst_ton, dst_npi]) + cstr(dst)
            + bytes([esm_class, 0, 0]) + cstr("") + cstr("") + bytes([registered_delivery, 0,
            data_coding, 0, len(short_message)]) + short_message + tlvs)


def split_udh(esm_class, data):
    """(udh bytes or b'', payload) per the UDHI bit of esm_class."""
    if esm_class & 0x40 and data:
        n = data[0] + 1
        return data[:n], data[n:]
    return b"", data


def addr_fields(addr):
    """TON/NPI a real SMSC would use for an address it originates."""
    if addr.startswith("+"):
        return 1, 1, addr[1:]
    if addr.isdigit():
        return (0, 1, addr) if len(addr) > 6 else (3, 0, addr)  # national / short code
    return 5, 0, addr                                            # alphanumeric


# ---- the server -----------------------------------------------------------------------------

class Smsc:
    def __init__(self, args):
        self.args = args
        self.log_f = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr
        self.stats = {"binds": 0, "submits": 0, "refused": 0, "receipts_due": 0, "receipts_sent": 0,
                      "receipts_acked": 0,
                      "mo_sent": 0, "mo_acked": 0, "enquire_links": 0, "unbinds": 0,
                      "connections": 0, "bound": 0}
        self.next_msgid = 0
        self.sessions = []          # bound sessions that may receive deliver_sm
        self.changed = asyncio.Condition()
        self.stop = asyncio.Event()

    def log(self, **kv):
        kv = {"t": round(time.time(), 6), **kv}
        print(json.dumps(kv, ensure_ascii=False), file=self.log_f, flush=True)

    async def bump(self, key, by=1):
        async with self.changed:
            self.stats[key] += by
            self.changed.notify_all()

    def msgid(self):
        self.next_msgid += 1
        return f"{0x5C0A0000 + self.next_msgid:08X}"

    # -- one ESME connection --
    async def serve(self, reader, writer):
        sess = Session(self, reader, writer)
        await self.bump("connections")
        try:
            await sess.run()
        finally:
            if sess in self.sessions:
                self.sessions.remove(sess)
                await self.bump("bound", -1)
            writer.close()

    async def control(self, reader, writer):
        try:
            while line := await reader.readline():
                try:
                    req = json.loads(line)
                    ans = await self.command(req)
                except Exception as e:  # report, keep serving
                    ans = {"ok": False, "error": str(e)}
                writer.write((json.dumps(ans, ensure_ascii=False) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    async def command(self, req):
        cmd = req.get("cmd")
        if cmd == "stats":
            return {"ok": True, **self.stats}
        if cmd == "wait":
            want = {k: v for k, v in req.items() if k in self.stats}
            settled = req.get("receipts_settled", False)

            def reached():
                return (all(self.stats[k] >= v for k, v in want.items()) and
                        (not settled or self.stats["receipts_acked"] >= self.stats["receipts_due"]))
            async with self.changed:
                try:
                    await asyncio.wait_for(self.changed.wait_for(reached),
                        req.get("timeout", 10))
                except asyncio.TimeoutError:
                    return {"ok": False, "error": "timeout", **self.stats}
            return {"ok": True, **self.stats}
        if cmd == "mo":
            rx = [s for s in self.sessions if s.can_receive]
            if not rx:
                return {"ok": False, "error": "no receiver/transceiver bound"}
            status = await rx[0].send_mo(req["from"], req["to"], req["text"], req.get("coding", 0),
                                         req.get("timeout", 10))
            return {"ok": status == 0, "command_status": status}
        if cmd == "quit":
            self.stop.set()
            return {"ok": True}
        raise ValueError(f"unknown cmd {cmd!r}")


class Session:
    def __init__(self, smsc, reader, writer):
        self.smsc, self.reader, self.writer = smsc, reader, writer
        self.peer = writer.get_extra_info("peername")
        self.bound = None           # bind command id once bound
        self.seq = 0
        self.pending = {}           # our seq -> future for the ESME's resp
        self.wlock = asyncio.Lock()

    @property
    def can_receive(self):
        return self.bound in (BIND_RECEIVER, BIND_TRANSCEIVER)

    def next_seq(self):
        self.seq += 1
        return self.seq

    async def send(self, data, **logkv):
        async with self.wlock:
            self.writer.write(data)
            await self.writer.drain()
        cid, st, seq = struct.unpack_from(">III", data, 4)
        self.smsc.log(dir="out", cmd=NAMES.get(cid, hex(cid)), status=st, seq=seq, **logkv)

    async def request(self, command_id, body, timeout=10, **logkv):
        seq = self.next_seq()
        fut = asyncio.get_running_loop().create_future()
        self.pending[seq] = fut
        await self.send(pdu(command_id, 0, seq, body), **logkv)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(seq, None)

    async def run(self):
        self.smsc.log(event="connect", peer=str(self.peer))
        try:
            while True:
                hdr = await self.reader.readexactly(16)
                length, cid, status, seq = struct.unpack(">IIII", hdr)
                if length < 16 or length > 65536:
                    self.smsc.log(event="bad_length", length=length)
                    return
                body = await self.reader.readexactly(length - 16)
                if cid & RESP:
                    fut = self.pending.get(seq)
                    self.smsc.log(dir="in", cmd=NAMES.get(cid, hex(cid)), status=status, seq=seq)
                    if fut and not fut.done():
                        fut.set_result(status)
                    continue
                if not await self.handle(cid, seq, body):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            self.smsc.log(event="disconnect", peer=str(self.peer))

    async def handle(self, cid, seq, body):
        s = self.smsc
        name = NAMES.get(cid, hex(cid))
        if cid in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            r = Reader(body)
            system_id, password, system_type = r.cstr(), r.cstr(), r.cstr()
            version = r.u8()
            status = ESME_ROK
            if system_id != s.args.esme_system_id:
                status = ESME_RINVSYSID
            elif password != s.args.password:
                status = ESME_RINVPASWD
            s.log(dir="in", cmd=name, seq=seq, system_id=system_id, system_type=system_type,
                  interface_version=hex(version), password_ok=password == s.args.password)
            resp = cstr(s.args.system_id) + tlv(TLV_SC_INTERFACE_VERSION, b"\x34")
            await self.send(pdu(cid | RESP, status, seq, resp))
            if status == ESME_ROK:
                self.bound = cid
                s.sessions.append(self)
                await s.bump("binds")
                await s.bump("bound")
            return True
        if cid == ENQUIRE_LINK:
            s.log(dir="in", cmd=name, seq=seq)
            await self.send(pdu(cid | RESP, 0, seq))
            await s.bump("enquire_links")
            return True
        if cid == UNBIND:
            s.log(dir="in", cmd=name, seq=seq)
            await self.send(pdu(cid | RESP, 0, seq))
            await s.bump("unbinds")
            return False
        if cid == SUBMIT_SM:
            if self.bound not in (BIND_TRANSMITTER, BIND_TRANSCEIVER):
                await self.send(pdu(cid | RESP, ESME_RINVBNDSTS, seq))
                return True
            m = parse_sm(body)
            if m["dest_addr_ton"] > 6:
                s.log(dir="in", cmd=name, seq=seq, source_addr=m["source_addr"],
                      destination_addr=m["destination_addr"],
                      dest_ton_npi=[m["dest_addr_ton"], m["dest_addr_npi"]], refused=hex(ESME_RINVDSTTON))
                await self.send(pdu(cid | RESP, ESME_RINVDSTTON, seq))
                await s.bump("refused")
                return True
            # SMPP 3.4: sm_length 0 and the text in the message_payload TLV (> 254 octets)
            data = m["short_message"] or m["tlvs"].get(TLV_MESSAGE_PAYLOAD, b"")
            udh, payload = split_udh(m["esm_class"], data)
            msgid = s.msgid()
            s.log(dir="in", cmd=name, seq=seq, source_addr=m["source_addr"],
                  source_ton_npi=[m["source_addr_ton"], m["source_addr_npi"]],
                  destination_addr=m["destination_addr"],
                  dest_ton_npi=[m["dest_addr_ton"], m["dest_addr_npi"]],
                  esm_class=hex(m["esm_class"]), data_coding=hex(m["data_coding"]),
                  registered_delivery=m["registered_delivery"], sm_length=len(m["short_message"]),
                  payload_length=len(data),
                  udh=udh.hex(), text=decode_text(m["data_coding"], payload),
                  tlvs={hex(k): v.hex() for k, v in m["tlvs"].items()}, message_id=msgid)
            await self.send(pdu(cid | RESP, 0, seq, cstr(msgid)), message_id=msgid)
            if m["registered_delivery"] & 0x03 == 0x01 and self.smsc.args.receipts:
                await s.bump("receipts_due")
                asyncio.create_task(self.send_receipt(m, msgid, payload))
            await s.bump("submits")
            return True
        s.log(dir="in", cmd=name, seq=seq, event="unsupported")
        await self.send(pdu(GENERIC_NACK, ESME_RINVCMDID, seq))
        return True

    async def send_receipt(self, m, msgid, payload):
        s = self.smsc
        await asyncio.sleep(s.args.receipt_delay)
        rx = self if self.can_receive else next((x for x in s.sessions if x.can_receive), None)
        if rx is None:
            s.log(event="receipt_dropped", message_id=msgid, reason="no receiver bound")
            return
        original = decode_text(m["data_coding"], payload) if m["data_coding"] == 0 else ""
        text = (f"id:{msgid} sub:001 dlvrd:001 submit date:{RECEIPT_DATE} done date:{RECEIPT_DATE}"
                f" stat:DELIVRD err:000 text:{original[:20]}")
        sm = gsm_encode(text.replace("\n", " ")) if all(c in GSM_ENC for c in text) else text.encode(
            "ascii", errors="replace")
        body = sm_body(m["dest_addr_ton"], m["dest_addr_npi"], m["destination_addr"],
                       m["source_addr_ton"], m["source_addr_npi"], m["source_addr"],
                       0x04, 0x00, sm,
                       tlvs=tlv(TLV_RECEIPTED_MESSAGE_ID, cstr(msgid)) + tlv(TLV_MESSAGE_STATE, b"\x02"))
        await s.bump("receipts_sent")
        try:
            status = await rx.request(DELIVER_SM, body, kind="receipt", message_id=msgid, text=text)
        except asyncio.TimeoutError:
            s.log(event="receipt_unacked", message_id=msgid)
            return
        if status == 0:
            await s.bump("receipts_acked")

    async def send_mo(self, src, dst, text, coding, timeout):
        s = self.smsc
        data = gsm_encode(text) if coding == 0 else text.encode("utf-16-be")
        if len(data) > 254:
            raise ValueError("MO text too long for one short_message")
        st, sn, sa = addr_fields(src)
        dt, dn, da = addr_fields(dst)
        body = sm_body(st, sn, sa, dt, dn, da, 0x00, coding, data)
        await s.bump("mo_sent")
        status = await self.request(DELIVER_SM, body, timeout, kind="mo", source_addr=src,
                                    destination_addr=dst, data_coding=hex(coding), text=text)
        if status == 0:
            await s.bump("mo_acked")
        return status


async def main_server(args):
    smsc = Smsc(args)
    server = await asyncio.start_server(smsc.serve, args.listen, args.port, reuse_address=True)
    ctl = None
    if args.control:
        if os.path.exists(args.control):
            os.unlink(args.control)
        ctl = await asyncio.start_unix_server(smsc.control, args.control)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, smsc.stop.set)
    smsc.log(event="listening", listen=args.listen, port=args.port, system_id=args.system_id)
    try:
        await asyncio.wait_for(smsc.stop.wait(), args.max_seconds)
    except asyncio.TimeoutError:
        smsc.log(event="max_seconds_reached")
    server.close()
    if ctl:
        ctl.close()
        os.unlink(args.control)
    smsc.log(event="exit", **smsc.stats)


def main_ctl(path, request, timeout):
    import socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(path)
        c.sendall(request.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    print(data.decode().strip())
    return 0 if json.loads(data).get("ok") else 1


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "ctl":
        if len(sys.argv) != 4:
            sys.exit("usage: test_smsc.py ctl SOCKET JSON")
        return main_ctl(sys.argv[2], sys.argv[3], 120)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", default="127.0.0.1", help="address to listen on (IPv4 or IPv6)")
    p.add_argument("--port", type=int, default=2775)
    p.add_argument("--system-id", default="scamgate-smsc", help="our system_id in bind responses")
    p.add_argument("--esme-system-id", default="scamgate-esme1", help="system_id an ESME must bind with")
    p.add_argument("--password", default="nolog-pw",
                   help="password an ESME must bind with (SMPP 3.4: at most 8 characters)")
    p.add_argument("--no-receipts", dest="receipts", action="store_false",
                   help="never send delivery receipts")
    p.add_argument("--receipt-delay", type=float, default=0.3, help="seconds before a receipt")
    p.add_argument("--control", help="Unix socket path for the control protocol")
    p.add_argument("--log", help="JSON-lines log file (default stderr)")
    p.add_argument("--max-seconds", type=float, default=120, help="exit after this long")
    args = p.parse_args()
    asyncio.run(main_server(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
