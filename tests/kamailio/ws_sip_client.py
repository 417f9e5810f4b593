#!/usr/bin/env python3
"""A small SIP-over-WebSocket client (RFC 7118 on RFC 6455), Python standard library only, to
capture real exchanges with Kamailio's websocket module (SIPp has no WebSocket transport).

It opens one TCP connection, sends the HTTP Upgrade (Sec-WebSocket-Protocol: sip), checks the
101 and its Sec-WebSocket-Accept, then runs a fixed scenario, each client frame masked with a
fresh random key as RFC 6455 5.3 requires:
  1. an INVITE in one text frame (expects 486), then its ACK;
  2. a ping (expects a pong);
  3. an INVITE split into three continuation frames (expects 486), then its ACK;
  4. a MESSAGE with text/plain (expects 202);
  5. a close frame (expects the server's close).
With --call CALLER:STATUS[:FRAMES] (repeatable) it runs only those calls instead, one after the
other on the same connection: an INVITE from CALLER (in FRAMES continuation frames, default 1)
that must be answered STATUS, then its ACK; then the close.
Every wait is bounded (--timeout). Exit 0 when every answer came as expected, 1 otherwise.

Usage: ws_sip_client.py --local IP --server IP --port N [--path /] [--timeout S] [--call C:S[:F]]...
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(payload: bytes, opcode: int = 1, fin: bool = True) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xFFFF:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Connection:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def read_head(self) -> bytes:
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed during the handshake")
            self.buffer += chunk
        end = self.buffer.index(b"\r\n\r\n") + 4
        head, self.buffer = self.buffer[:end], self.buffer[end:]
        return head

    def read_frame(self):
        b0, b1 = self.read_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self.read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.read_exact(8))[0]
        key = self.read_exact(4) if b1 & 0x80 else None
        payload = self.read_exact(n)
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return b0 & 0x0F, payload

    def read_sip(self) -> str:
        while True:
            opcode, payload = self.read_frame()
            if opcode in (1, 2):
                return payload.decode("utf-8", "replace")


def sip_request(method, caller, callee, call_id, args, cseq=1, body="", content_type="", to_tag=""):
    host = f"{args.local}:{args.client_port}"
    lines = [
        f"{method} sip:{callee}@{args.server}:{args.port};transport=ws SIP/2.0",
        f"Via: SIP/2.0/WS {host};branch=z9hG4bK-{call_id}-{method.lower()};rport",
        "Max-Forwards: 70",
        f"From: \"Ngan hang\" <sip:{caller}@{args.local};user=phone>;tag=ws{call_id}",
        f"To: <sip:{callee}@{args.server};user=phone>{to_tag}",
        f"Call-ID: {call_id}@{args.local}",
        f"CSeq: {cseq} {method}",
        f"Contact: <sip:{caller}@{host};transport=ws>",
        "User-Agent: scamgate-ws-client/1.0 (python3)",
    ]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def sdp(args):
    return (f"v=0\r\no=- 1 1 IN IP4 {args.local}\r\ns=-\r\nc=IN IP4 {args.local}\r\nt=0 0\r\n"
            "m=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n")


def expect(conn, status, what):
    answer = conn.read_sip()
    first = answer.split("\r\n", 1)[0]
    if not first.startswith(f"SIP/2.0 {status} "):
        raise RuntimeError(f"{what}: expected {status}, got {first!r}")
    print(f"{what}: {first}")
    return answer


def to_tag_of(answer):
    for line in answer.split("\r\n"):
        if line.lower().startswith("to:") and ";tag=" in line:
            return ";tag=" + line.split(";tag=", 1)[1].split(";")[0]
    return ""


def call(conn, args, caller, call_id, parts, status=486):
    invite = sip_request("INVITE", caller, "+842437001001", call_id, args, body=sdp(args),
                         content_type="application/sdp")
    step = -(-len(invite) // parts)
    chunks = [invite[i:i + step] for i in range(0, len(invite), step)]
    for i, chunk in enumerate(chunks):
        conn.sock.sendall(frame(chunk, opcode=1 if i == 0 else 0, fin=i == len(chunks) - 1))
    answer = expect(conn, status, f"INVITE {call_id} in {len(chunks)} frame(s)")
    ack = sip_request("ACK", caller, "+842437001001", call_id, args, to_tag=to_tag_of(answer))
    conn.sock.sendall(frame(ack))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--call", action="append", default=[], help="CALLER:STATUS[:FRAMES]")
    args = parser.parse_args()

    sock = socket.create_connection((args.server, args.port), timeout=args.timeout,
                                    source_address=(args.local, 0))
    args.client_port = sock.getsockname()[1]
    conn = Connection(sock)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET " + args.path.encode() + b" HTTP/1.1\r\n"
                 b"Host: " + f"{args.server}:{args.port}".encode() + b"\r\n"
                 b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: " + key + b"\r\n"
                 b"Origin: http://" + args.local.encode() + b"\r\n"
                 b"Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = conn.read_head().decode("latin-1")
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    if not head.startswith("HTTP/1.1 101") or accept not in head:
        raise RuntimeError(f"handshake refused: {head.splitlines()[0]!r}")
    print("handshake: " + head.splitlines()[0])

    if args.call:
        for n, spec in enumerate(args.call, 1):
            caller, status, *frames = spec.split(":")
            call(conn, args, caller, f"sgws-{n}", int(frames[0]) if frames else 1, int(status))
        close(conn)
        return 0

    call(conn, args, "+84912345678", "kamailio-ws-1", 1)
    sock.sendall(frame(b"scamgate", opcode=9))
    opcode, payload = conn.read_frame()
    if opcode != 10:
        raise RuntimeError(f"ping: expected a pong, got opcode {opcode}")
    print("ping: pong")
    call(conn, args, "+84988776655", "kamailio-ws-2", 3)
    text = "Tai khoan cua ban bi khoa. Xac minh tai http://vcb-xacminh.top ngay"
    message = sip_request("MESSAGE", "+84912345678", "+84987111222", "kamailio-ws-sms", args, body=text,
                          content_type="text/plain;charset=UTF-8")
    conn.sock.sendall(frame(message))
    expect(conn, 202, "MESSAGE kamailio-ws-sms")
    close(conn)
    return 0


def close(conn):
    conn.sock.sendall(frame(struct.pack(">H", 1000), opcode=8))
    while True:
        opcode, _ = conn.read_frame()
        if opcode == 8:
            print("close: server closed")
            break
    conn.sock.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError, ConnectionError) as e:
        print(f"ws_sip_client: {e}", file=sys.stderr)
        sys.exit(1)
