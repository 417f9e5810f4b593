#!/usr/bin/env python3
"""SIP differential test: what Kamailio routes, scamgate must judge.

Reads the case table (tests/differential/sip_requests.txt), builds each malformed-but-plausible
request, sends it, and compares three views of the same traffic:
  - Kamailio's log (tests/kamailio/differential.cfg logs one SGDIFF line per run of its request
    route: transport, method, method id, Call-ID, From user, Request-URI user, From tag);
  - scamgate's events written inline (`scamgate run --mode nfqueue`);
  - scamgate's events from `scamgate replay` of a capture of the same traffic.
Every case Kamailio routes as an INVITE or a MESSAGE must have an event in both, with `action`
set, for the same Call-ID, From user and Request-URI user Kamailio read. Beside it the report says
whether the inline gate decided the request on its own packet (scamgate's log line
"nfqueue: call-id X: ACTION -> ..."), which is what enforcement needs; that column does not fail
the test (a TCP request split across segments is never decided per packet, by design).

Subcommands (python3 standard library only):
  show TABLE [NAME...]          print the requests as they will be sent (to write or check a case)
  send TABLE --src IP --dst IP --work DIR --kamailio-log FILE [--capture FILE]
                                send every case (run inside the sender's network namespace) and
                                wait until Kamailio has logged the end-of-run sentinels
  report TABLE --work DIR --kamailio-log FILE --inline EVENTS --replay EVENTS [--gate-log LOG]
         [--action A]           print one row per case; exit 1 when a routed case is not judged
  selftest TABLE                every case builds and changes the request; the report's rules
                                say FAIL where they must (no root, no network)

Table format: one case per line, `NAME TRANSPORT METHOD MUTATION... [# note]`; MUTATION `-` for
none. Values use escapes so a case stays one line: \\s space, \\t tab, \\r, \\n, \\0, \\xNN, \\\\.
Templates in values: {callid} {fuser} {ruser} {ftag} {branch} {src} {dst} {sport} {proto}
{method} {ruri} {name}, and {len}, {len+N}, {len-N} (the body's length in bytes). Mutations:
  cl=none | cl=VALUE           remove Content-Length / set its value
  eol=lf | eol=cr | eol=mixed  line ends (mixed: LF on every other line, CRLF elsewhere)
  compact=i,f,...              compact header names (i f t v l m c s k e o); upper case letters
                               give upper case compact names
  names=lower | names=upper    every header name's case
  name=OLD:NEW                 rename one header (e.g. name=Call-ID:cALL-iD)
  sep=VALUE | sep@NAME=VALUE   what separates header names from values (default ": ")
  fold=NAME[,NAME]             fold the value onto a continuation line (at its first space, or
                               before the whole value); foldws=VALUE sets the continuation's
                               leading white space (default one space)
  dup=NAME:VALUE               a second NAME header after the first; dupfirst=NAME:VALUE before it
  set=NAME:VALUE               replace a header's value;  add=NAME:VALUE  append a header
  drop=NAME[,NAME]             remove headers
  longline=NAME:BYTES          make NAME's line BYTES long (a ;p=xxx parameter on an existing
                               header, a new header of filler otherwise)
  repeat=NAME:COUNT            append COUNT headers NAME: filler-i
  method=TOKEN                 the method in the request line and CSeq (e.g. method=invite)
  ruri=VALUE                   the Request-URI;  reqline=VALUE  the whole request line
  body=none | body=nul | body=size:N | body=VALUE
                               no body / a NUL byte inside it / padded to N bytes / given text
  prefix=VALUE                 bytes before the request (e.g. keepalive CRLFs)
  split=N[,N]                  TCP: send the request in pieces cut at these offsets
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# Kamailio's method ids ($rmid), from its parser/msg_parser.h.
KAMAILIO_METHOD_KIND = {1: "call", 256: "sms"}

COMPACT = {"i": "Call-ID", "f": "From", "t": "To", "v": "Via", "l": "Content-Length", "m": "Contact",
           "c": "Content-Type", "s": "Subject", "k": "Supported", "e": "Content-Encoding", "o": "Event"}

SENTINEL = "sentinel"
WARMUP = "warmup"


# --- The table -----------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    transport: str
    method: str
    mutations: list[tuple[str, str]]
    note: str
    line: int
    index: int = 0

    @property
    def unchanged(self) -> bool:
        return not self.mutations


def unescape(value: str) -> str:
    out, i = [], 0
    simple = {"s": " ", "t": "\t", "r": "\r", "n": "\n", "0": "\0", "\\": "\\"}
    while i < len(value):
        c = value[i]
        if c != "\\" or i + 1 == len(value):
            out.append(c)
            i += 1
            continue
        nxt = value[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", value[i + 2:i + 4]):
            out.append(chr(int(value[i + 2:i + 4], 16)))
            i += 4
        else:
            raise ValueError(f"unknown escape \\{nxt} in {value!r}")
    return "".join(out)


def read_table(path: str) -> list[Case]:
    cases, names = [], set()
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            words = text.split()
            note = ""
            if "#" in words:
                at = words.index("#")
                note = " ".join(words[at + 1:])
                words = words[:at]
            where = f"{path}:{number}"
            if len(words) < 4:
                raise SystemExit(f"{where}: want NAME TRANSPORT METHOD MUTATION... (or -)")
            name, transport, method, rest = words[0], words[1], words[2], words[3:]
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or name in names or name in (SENTINEL, WARMUP):
                raise SystemExit(f"{where}: case name {name!r} must be unique, lower case, digits and -")
            if transport not in ("udp", "tcp"):
                raise SystemExit(f"{where}: transport must be udp or tcp, not {transport!r}")
            if method not in ("INVITE", "MESSAGE"):
                raise SystemExit(f"{where}: method must be INVITE or MESSAGE (the template), not {method!r}")
            mutations = []
            if rest != ["-"]:
                for word in rest:
                    key, eq, value = word.partition("=")
                    if not eq or key.split("@")[0] not in MUTATIONS:
                        raise SystemExit(f"{where}: unknown mutation {word!r} (see sip_differential.py)")
                    try:
                        mutations.append((key, unescape(value)))
                    except ValueError as e:
                        raise SystemExit(f"{where}: {e}")
            names.add(name)
            cases.append(Case(name, transport, method, mutations, note, number, len(cases) + 1))
    if not cases:
        raise SystemExit(f"{path}: no cases")
    for case in cases:  # fail on a bad mutation now, not half-way through a live run
        try:
            build_request(case, "192.0.2.1", "192.0.2.2", 5060)
        except (ValueError, KeyError) as e:
            raise SystemExit(f"{path}:{case.line}: {case.name}: {e}")
    return cases


# --- Building a request --------------------------------------------------------------------------

FOLD = "\ue000"  # where a folded value continues on the next line


@dataclass
class Header:
    name: str
    value: str  # a template
    sep: str | None = None


@dataclass
class Request:
    method: str
    ruri: str
    reqline: str = "{method} {ruri} SIP/2.0"
    headers: list[Header] = field(default_factory=list)
    sep: str = ": "
    eol: str = "\r\n"
    fold_ws: str = " "
    body: str = ""
    prefix: str = ""

    def find(self, name: str) -> int:
        for i, h in enumerate(self.headers):
            if h.name.lower() == name.lower():
                return i
        raise KeyError(f"no {name} header to change")


def identities(case: Case, src: str, dst: str, sport: int) -> dict[str, str]:
    # International callers (+44...) calling Vietnamese numbers, one pair per case, so a mixed-up
    # Call-ID would show as a wrong identity too.
    return {
        "name": case.name,
        "callid": call_id(case.name, src),
        "fuser": f"+44207946{case.index:04d}",
        "ruser": f"+84903{case.index:06d}",
        "ftag": f"f-{case.name}",
        "branch": f"z9hG4bK-{case.name}",
        "src": src,
        "dst": dst,
        "sport": str(sport),
        "proto": case.transport.upper(),
    }


def call_id(name: str, src: str) -> str:
    return f"sgd-{name}@{src}"


def base_request(case: Case) -> Request:
    contact_params = ";transport=tcp" if case.transport == "tcp" else ""
    req = Request(method=case.method, ruri="sip:{ruser}@{dst}")
    req.headers = [
        Header("Via", "SIP/2.0/{proto} {src}:{sport};branch={branch}"),
        Header("Max-Forwards", "70"),
        Header("From", '"Diff" <sip:{fuser}@{src}>;tag={ftag}'),
        Header("To", "<sip:{ruser}@{dst}>"),
        Header("Call-ID", "{callid}"),
        Header("CSeq", "1 {method}"),
    ]
    if case.method == "INVITE":
        req.headers.append(Header("Contact", "<sip:{fuser}@{src}:{sport}" + contact_params + ">"))
        req.headers.append(Header("Content-Type", "application/sdp"))
        req.body = sdp_body()
    else:
        req.headers.append(Header("Content-Type", "text/plain;charset=UTF-8"))
        req.body = "Differential test {name}: your parcel is held, pay the fee to release it."
    req.headers.append(Header("Content-Length", "{len}"))
    return req


def sdp_body() -> str:
    lines = ["v=0", "o=- 1 1 IN IP4 {src}", "s=-", "c=IN IP4 {src}", "t=0 0",
             "m=audio 40000 RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"]
    return "".join(line + "\r\n" for line in lines)


def pad_body(body: str, size: int, is_sdp: bool) -> str:
    """The body grown to exactly `size` bytes: filler words for text, a=x-p: lines of at most 72
    bytes for SDP (each at least 9, "a=x-p:" + one byte + CRLF)."""
    missing = size - len(body)
    if missing < 9:
        raise ValueError(f"body=size:{size}: the body is already {len(body)} bytes")
    if not is_sdp:
        return body + ("pad " * (missing // 4 + 1))[:missing]
    sizes = [72] * (missing // 72)
    rest = missing % 72
    if rest:
        if rest < 9:  # split the last full line in two instead of ending on a too-short one
            sizes[-1:] = [40, 32 + rest]
        else:
            sizes.append(rest)
    return body + "".join("a=x-p:" + "x" * (n - 8) + "\r\n" for n in sizes)


def expand(template: str, ctx: dict[str, str], body_len: int | None) -> str:
    def one(m: re.Match) -> str:
        key, delta = m.group(1), m.group(2)
        if key == "len":
            if body_len is None:
                raise ValueError("{len} outside a header value")
            return str(body_len + (int(delta) if delta else 0))
        if delta:
            raise ValueError(f"{{{key}{delta}}}: arithmetic only on {{len}}")
        if key not in ctx:
            raise ValueError(f"unknown template {{{key}}}")
        return ctx[key]
    return re.sub(r"\{([a-z]+)([+-]\d+)?\}", one, template)


def name_value(value: str) -> tuple[str, str]:
    name, colon, rest = value.partition(":")
    if not colon or not name:
        raise ValueError(f"want NAME:VALUE, got {value!r}")
    return name, rest


def apply(req: Request, case: Case, key: str, value: str, ctx: dict[str, str]) -> None:
    base, _, target = key.partition("@")
    MUTATIONS[base](req, case, value, ctx, target)


def m_cl(req, case, value, ctx, target):
    if value == "none":
        del req.headers[req.find("Content-Length")]
    else:
        req.headers[req.find("Content-Length")].value = value


def m_eol(req, case, value, ctx, target):
    if value not in ("lf", "cr", "crlf", "mixed"):
        raise ValueError(f"eol must be lf, cr, crlf or mixed, not {value!r}")
    req.eol = {"lf": "\n", "cr": "\r", "crlf": "\r\n", "mixed": "mixed"}[value]


def m_compact(req, case, value, ctx, target):
    for letter in value.split(","):
        full = COMPACT.get(letter.lower())
        if full is None:
            raise ValueError(f"no compact form {letter!r}")
        for h in req.headers:
            if h.name.lower() == full.lower():
                h.name = letter


def m_names(req, case, value, ctx, target):
    if value not in ("lower", "upper"):
        raise ValueError("names must be lower or upper")
    for h in req.headers:
        h.name = h.name.lower() if value == "lower" else h.name.upper()


def m_name(req, case, value, ctx, target):
    old, new = name_value(value)
    req.headers[req.find(old)].name = new


def m_sep(req, case, value, ctx, target):
    if target:
        req.headers[req.find(target)].sep = value
    else:
        req.sep = value


def m_fold(req, case, value, ctx, target):
    for name in value.split(","):
        h = req.headers[req.find(name)]
        space = h.value.find(" ")
        h.value = h.value[:space] + FOLD + h.value[space + 1:] if space > 0 else FOLD + h.value


def m_foldws(req, case, value, ctx, target):
    if not value or value.strip(" \t"):
        raise ValueError("foldws must be spaces and tabs")
    req.fold_ws = value


def m_dup(req, case, value, ctx, target, before=False):
    name, v = name_value(value)
    at = req.find(name)
    req.headers.insert(at if before else at + 1, Header(req.headers[at].name, v))


def m_dupfirst(req, case, value, ctx, target):
    m_dup(req, case, value, ctx, target, before=True)


def m_set(req, case, value, ctx, target):
    name, v = name_value(value)
    req.headers[req.find(name)].value = v


def m_add(req, case, value, ctx, target):
    name, v = name_value(value)
    req.headers.append(Header(name, v))


def m_drop(req, case, value, ctx, target):
    for name in value.split(","):
        del req.headers[req.find(name)]


def m_longline(req, case, value, ctx, target):
    name, size = name_value(value)
    size = int(size)
    try:
        h = req.headers[req.find(name)]
    except KeyError:
        h = Header(name, "")
        req.headers.append(h)
    line = len(h.name) + len(h.sep or req.sep) + len(expand(h.value, ctx, 0))
    if h.value:
        h.value += ";p="
        line += 3
    if size <= line:
        raise ValueError(f"{name} line is already {line} bytes")
    h.value += "x" * (size - line)


def m_repeat(req, case, value, ctx, target):
    name, count = name_value(value)
    for i in range(int(count)):
        req.headers.append(Header(name, f"filler-{i}"))


def m_method(req, case, value, ctx, target):
    req.method = value
    req.headers[req.find("CSeq")].value = "1 " + value


def m_ruri(req, case, value, ctx, target):
    req.ruri = value


def m_reqline(req, case, value, ctx, target):
    req.reqline = value


def m_body(req, case, value, ctx, target):
    if value == "none":
        req.body = ""
        if case.method == "INVITE":
            del req.headers[req.find("Content-Type")]
    elif value == "nul":
        body = expand(req.body, ctx, None)
        cut = body.find("\r\n", len(body) // 2) if case.method == "INVITE" else len(body) // 2
        # INVITE: a NUL inside an SDP line (s=- becomes an a= line with a NUL); MESSAGE: in the text
        req.body = body[:cut] + ("\r\na=x-nul:a\0b" if case.method == "INVITE" else "\0") + body[cut:]
    elif value.startswith("size:"):
        req.body = pad_body(expand(req.body, ctx, None), int(value[5:]), case.method == "INVITE")
    else:
        req.body = value


def m_prefix(req, case, value, ctx, target):
    req.prefix = value


def m_split(req, case, value, ctx, target):
    if case.transport != "tcp":
        raise ValueError("split is for TCP cases")
    if not all(part.isdigit() for part in value.split(",")):
        raise ValueError("split wants byte offsets")


MUTATIONS = {
    "cl": m_cl, "eol": m_eol, "compact": m_compact, "names": m_names, "name": m_name, "sep": m_sep,
    "fold": m_fold, "foldws": m_foldws, "dup": m_dup, "dupfirst": m_dupfirst, "set": m_set,
    "add": m_add, "drop": m_drop, "longline": m_longline, "repeat": m_repeat, "method": m_method,
    "ruri": m_ruri, "reqline": m_reqline, "body": m_body, "prefix": m_prefix, "split": m_split,
}


def build_request(case: Case, src: str, dst: str, sport: int) -> bytes:
    ctx = identities(case, src, dst, sport)
    ctx["method"] = case.method
    req = base_request(case)
    for key, value in case.mutations:
        apply(req, case, key, value, ctx)
    ctx["method"] = req.method
    body = expand(req.body, ctx, None)
    ctx["ruri"] = expand(req.ruri, ctx, None)
    lines = [expand(req.reqline, ctx, None)]
    for h in req.headers:
        lines.append(h.name + (h.sep if h.sep is not None else req.sep) + expand(h.value, ctx, len(body.encode("latin-1"))))
    if req.eol == "mixed":
        ends = ["\n" if i % 2 else "\r\n" for i in range(len(lines) + 1)]
        text = "".join(line + end for line, end in zip(lines, ends)) + ends[-1]
        fold_eol = "\r\n"
    else:
        text = req.eol.join(lines) + req.eol + req.eol
        fold_eol = req.eol
    text = text.replace(FOLD, fold_eol + req.fold_ws)
    return (expand(req.prefix, ctx, None) + text + body).encode("latin-1")


def split_points(case: Case) -> list[int]:
    for key, value in case.mutations:
        if key == "split":
            return [int(p) for p in value.split(",")]
    return []


# --- Sending -------------------------------------------------------------------------------------

STATUS_LINE = re.compile(rb"SIP/2\.0 +(\d{3})", re.I)  # Kamailio echoes a request's "sip/2.0"


def first_status(data: bytes) -> str | None:
    m = STATUS_LINE.search(data)
    return m.group(1).decode() if m else None


class UdpSender:
    """One UDP socket for every UDP case; a thread files each response under the case whose name
    it carries (Call-ID, tag and branch all do)."""

    def __init__(self, src: str, dst: str):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((src, 0))
        self.dst = (dst, 5060)
        self.port = self.sock.getsockname()[1]
        self.replies: dict[str, list[str]] = {}
        self.cond = threading.Condition()
        self.names: list[str] = []
        self.stop = False
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        while not self.stop:
            ready, _, _ = select.select([self.sock], [], [], 0.2)
            if not ready:
                continue
            data = self.sock.recv(70000)
            status = first_status(data)
            owner = owner_of(data, self.names)
            with self.cond:
                self.replies.setdefault(owner or "?", []).append(status or "?")
                self.cond.notify_all()

    def send(self, name: str, data: bytes):
        with self.cond:
            self.names.append(name)
        self.sock.sendto(data, self.dst)

    def wait_reply(self, name: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while name not in self.replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def owner_of(data: bytes, names: list[str]) -> str | None:
    # The longest name found, so "cl-missing" does not claim "cl-missing-nobody"'s reply.
    found = [n for n in names if f"sgd-{n}@".encode() in data or f"f-{n};".encode() in data or
             f"z9hG4bK-{n}".encode() in data]
    return max(found, key=len) if found else None


def tcp_exchange(src: str, dst: str, data_for_port, pieces: list[int], reply_wait: float,
                 close_wait: float) -> dict:
    """One TCP connection: send the request (in pieces when asked), read Kamailio's answer, close
    our side and wait for Kamailio to close its side, so whatever it does with what it read is
    done (and logged) before the next case."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((src, 0))
    sock.settimeout(10)
    sock.connect((dst, 5060))
    data = data_for_port(sock.getsockname()[1])
    cuts = [0] + [p for p in pieces if 0 < p < len(data)] + [len(data)]
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        sock.sendall(data[a:b])
        if i + 2 < len(cuts):
            time.sleep(0.05)  # a peer writing in pieces; TCP_NODELAY makes each send its own segment
    received = b""
    deadline = time.monotonic() + reply_wait
    while b"\r\n\r\n" not in received and time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    answered = b"\r\n\r\n" in received
    closed_by_peer = False
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:  # Kamailio already reset the connection
        close_wait = 0
        closed_by_peer = True
    deadline = time.monotonic() + close_wait
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = sock.recv(65536)
        except OSError:
            closed_by_peer = True
            break
        if not chunk:
            closed_by_peer = True
            break
        received += chunk
    sock.close()
    return {"bytes": len(data), "replies": [s.decode() for s in STATUS_LINE.findall(received)],
            "answered": answered, "peer_closed": closed_by_peer}


def kamailio_routed_names(path: str) -> set[str]:
    try:
        text = Path(path).read_text(encoding="latin-1")
    except FileNotFoundError:
        return set()
    return set(re.findall(r"SGDIFF\|[^|]*\|[^|]*\|[^|]*\|sgd-([a-z0-9-]+)@", text))


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def marker_case(name: str, transport: str) -> Case:
    return Case(name=f"{name}-{transport}", transport=transport, method="INVITE", mutations=[], note="",
                line=0, index=9000 + (0 if transport == "udp" else 1) + (2 if name == SENTINEL else 0))


def cmd_send(args) -> int:
    cases = read_table(args.table)
    src, dst = args.src, args.dst
    os.makedirs(args.work, exist_ok=True)
    udp = UdpSender(src, dst)
    sent: dict[str, dict] = {}

    # Warm-up: one clean INVITE per transport until it is answered (scamgate bound, Kamailio up)
    # and, when a capture runs, until the capture file holds it.
    for transport in ("udp", "tcp"):
        warm = marker_case(WARMUP, transport)
        if transport == "udp":
            def answered():
                udp.send(warm.name, build_request(warm, src, dst, udp.port))
                return udp.wait_reply(warm.name, 1.0)
            ok = wait_until(answered, args.ready_wait)
        else:
            ok = wait_until(lambda: tcp_exchange(src, dst, lambda port: build_request(warm, src, dst, port), [],
                                                 1.0, 2.0)["answered"], args.ready_wait)
        if not ok:
            print(f"sip_differential: the {transport} warm-up INVITE got no answer in {args.ready_wait} s", file=sys.stderr)
            return 2
        if args.capture:
            needle = call_id(warm.name, src).encode()
            if not wait_until(lambda: os.path.exists(args.capture) and needle in Path(args.capture).read_bytes(),
                              args.ready_wait):
                print(f"sip_differential: the capture {args.capture} never showed the {transport} warm-up", file=sys.stderr)
                return 2

    started = time.monotonic()
    for case in cases:
        if case.transport != "udp":
            continue
        data = build_request(case, src, dst, udp.port)
        udp.send(case.name, data)
        sent[case.name] = {"bytes": len(data)}
        udp.wait_reply(case.name, args.udp_pace)  # paces the sender; an unanswered case costs this much
    for case in cases:
        if case.transport != "tcp":
            continue
        t0 = time.monotonic()
        sent[case.name] = tcp_exchange(src, dst, lambda port, c=case: build_request(c, src, dst, port),
                                       split_points(case), args.reply_wait, args.close_wait)
        sent[case.name]["seconds"] = round(time.monotonic() - t0, 2)

    # Sentinels: Kamailio reads UDP with one process, in order, behind scamgate's one queue, so
    # once it has logged the UDP sentinel it has run (or refused) every UDP case before it; every
    # TCP case was answered or closed by Kamailio before the next began.
    udp_sentinel = marker_case(SENTINEL, "udp")
    tcp_sentinel = marker_case(SENTINEL, "tcp")
    def udp_sentinel_answered():
        udp.send(udp_sentinel.name, build_request(udp_sentinel, src, dst, udp.port))
        return udp.wait_reply(udp_sentinel.name, 1.0)
    if not wait_until(udp_sentinel_answered, args.ready_wait):
        print("sip_differential: the UDP sentinel got no answer", file=sys.stderr)
        return 2
    tcp_exchange(src, dst, lambda port: build_request(tcp_sentinel, src, dst, port), [], args.reply_wait, args.close_wait)
    if not wait_until(lambda: {udp_sentinel.name, tcp_sentinel.name} <= kamailio_routed_names(args.kamailio_log),
                      args.ready_wait):
        print("sip_differential: Kamailio never logged the sentinels", file=sys.stderr)
        return 2
    udp.close()
    for name, replies in udp.replies.items():
        if name in sent:
            sent[name]["replies"] = replies
    with open(os.path.join(args.work, "sent.json"), "w") as f:
        json.dump({"src": src, "dst": dst, "cases": sent}, f, indent=1)
    print(f"sip_differential: sent {len(cases)} cases in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


# --- Report --------------------------------------------------------------------------------------

@dataclass
class Route:
    transport: str
    method: str
    method_id: int
    call_id: str
    from_user: str
    ruri_user: str
    from_tag: str

    @property
    def kind(self) -> str | None:
        return KAMAILIO_METHOD_KIND.get(self.method_id)


def read_routes(path: str) -> list[Route]:
    routes = []
    for line in Path(path).read_text(encoding="latin-1").split("\n"):
        at = line.find("SGDIFF|")
        if at < 0:
            continue
        fields = line[at:].rstrip("\n").split("|")
        if len(fields) < 9:
            continue
        try:
            method_id = int(fields[3])
        except ValueError:
            method_id = -1
        routes.append(Route(fields[1], fields[2], method_id, fields[4], fields[5], fields[6], fields[7]))
    return routes


def route_of(case: Case, routes: list[Route], src: str) -> Route | None:
    """The route line of this case: by its Call-ID, else by its From tag (a case that mangles its
    Call-ID still carries its tag)."""
    cid = call_id(case.name, src)
    for r in routes:
        if r.call_id == cid:
            return r
    for r in routes:
        if r.from_tag == f"f-{case.name}":
            return r
    return None


def read_events(path: str) -> dict[str, list[dict]]:
    by_call_id: dict[str, list[dict]] = {}
    if not os.path.exists(path):
        return by_call_id
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        e = json.loads(line)
        cid = e.get("call_id") if e.get("kind") == "call" else (e.get("sip") or {}).get("call_id")
        if cid is not None:
            by_call_id.setdefault(cid, []).append(e)
    return by_call_id


def judgement(events: dict[str, list[dict]], route: Route | None, case: Case, src: str,
              want_action: str | None) -> tuple[bool, str]:
    """(judged, detail): judged means an event of the kind Kamailio routed, for the Call-ID it read,
    with an action, and the same From user and Request-URI user."""
    cid = route.call_id if route else call_id(case.name, src)
    found = events.get(cid, [])
    if not found:
        near = sorted(c for c in events if f"sgd-{case.name}" in c and c != cid)
        return False, "no event" + (f" (events for {', '.join(near)})" if near else "")
    e = found[0]
    action = e.get("action")
    if not action:
        return False, f"{e.get('kind')} event without an action"
    detail = f"{e.get('kind')} {action}"
    if want_action and action != want_action:
        return False, f"{detail}, want {want_action} (the test's policy)"
    if route is None:
        return True, detail
    if route.kind and e.get("kind") != route.kind:
        return False, f"{e.get('kind')} event for a {route.kind}"
    caller = (e.get("caller") or {}).get("user")
    callee = (e.get("callee") or {}).get("user")
    wrong = []
    if caller != route.from_user:
        wrong.append(f"caller {caller} but Kamailio read From user {route.from_user}")
    if callee != route.ruri_user:
        wrong.append(f"callee {callee} but Kamailio read R-URI user {route.ruri_user}")
    if wrong:
        return False, detail + ": " + "; ".join(wrong)
    return True, detail


@dataclass
class Row:
    case: Case
    kamailio: str  # "no", "yes", "yes (invite)", "as OPTIONS"
    must_judge: bool
    inline: tuple[bool, str]
    replay: tuple[bool, str]
    gate: str = "-"
    replies: str = "-"

    @property
    def failed(self) -> bool:
        return self.must_judge and not (self.inline[0] and self.replay[0])

    @property
    def result(self) -> str:
        if self.failed:
            return "FAIL"
        if self.must_judge:
            return "ok"
        return "ok (refused, judged)" if self.inline[0] or self.replay[0] else "ok (refused)"

    @property
    def harness_broken(self) -> bool:
        """An unchanged template must be routed and judged everywhere, or nothing else means anything."""
        return self.case.unchanged and not (self.must_judge and self.inline[0] and self.replay[0])


def assess(cases: list[Case], routes: list[Route], inline: dict, replay: dict, src: str,
           want_action: str | None) -> list[Row]:
    rows = []
    for case in cases:
        route = route_of(case, routes, src)
        if route is None:
            kam = "no"
        elif route.kind is None:
            kam = f"as {route.method}"
        else:
            kam = "yes" if route.method in ("INVITE", "MESSAGE") else f"yes ({route.method})"
        rows.append(Row(case, kam, route is not None and route.kind is not None,
                        judgement(inline, route, case, src, want_action),
                        judgement(replay, route, case, src, want_action)))
    return rows


def print_report(rows: list[Row]) -> int:
    header = ("case", "tr", "kamailio routed", "reply", "inline event", "gate", "replay event", "result")
    table = [(r.case.name, r.case.transport, r.kamailio, r.replies, yes_no(*r.inline), r.gate, yes_no(*r.replay),
              r.result) for r in rows]
    widths = [max(len(str(t[i])) for t in table + [header]) for i in range(len(header))]
    for t in [header] + table:
        print("  ".join(str(v).ljust(w) for v, w in zip(t, widths)).rstrip())
    failures = [r.case.name for r in rows if r.failed]
    refused_judged = [r.case.name for r in rows if r.result == "ok (refused, judged)"]
    harness = [r.case.name for r in rows if r.harness_broken]
    print(f"\n{len(rows)} cases: Kamailio routed {sum(r.must_judge for r in rows)} as INVITE/MESSAGE; "
          f"{len(failures)} of them not judged by scamgate inline or in replay: {' '.join(failures) or 'none'}")
    print(f"Refused by Kamailio, judged by scamgate (fine): {' '.join(refused_judged) or 'none'}")
    undecided = [r.case.name for r in rows if r.must_judge and not r.failed and r.gate == "no"]
    if undecided:
        print(f"Routed and judged, but not decided by the inline gate on its own packet, so not enforceable "
              f"(reported, not a failure): {' '.join(undecided)}")
    if harness:
        print(f"HARNESS: the unchanged templates were not routed and judged everywhere: {' '.join(harness)}; "
              "the path, the oracle or scamgate as a whole is broken, so the other rows mean little")
        return 1
    return 1 if failures else 0


def cmd_report(args) -> int:
    cases = read_table(args.table)
    sent = json.loads(Path(args.work, "sent.json").read_text())
    src = sent["src"]
    rows = assess(cases, read_routes(args.kamailio_log), read_events(args.inline), read_events(args.replay),
                  src, args.action)
    decided = read_gate_decisions(args.gate_log) if args.gate_log else None
    routes = read_routes(args.kamailio_log)
    for row in rows:
        if decided is not None:
            route = route_of(row.case, routes, src)
            row.gate = "yes" if (route.call_id if route else call_id(row.case.name, src)) in decided else "no"
        info = sent["cases"].get(row.case.name, {})
        row.replies = ",".join(info.get("replies") or []) or "-"
        if row.case.transport == "tcp" and not info.get("peer_closed", True):
            row.replies += " (Kamailio kept the connection open)"
    return print_report(rows)


def read_gate_decisions(path: str) -> set[str]:
    """Call-IDs the inline gate decided on a packet: scamgate logs "nfqueue: call-id X: ACTION ->
    forwarded unchanged|forwarded changed|dropped" for every tag decision (and every changed one)."""
    return gate_decisions(Path(path).read_text(encoding="utf-8", errors="replace"))


def gate_decisions(log_text: str) -> set[str]:
    return set(re.findall(r"nfqueue: call-id (\S+): \w+(?: \(enforced\))? -> ", log_text))


def yes_no(ok: bool, detail: str) -> str:
    return ("yes: " if ok else "NO: ") + detail


# --- Self-test (no root, no network) ------------------------------------------------------------

def cmd_selftest(args) -> int:
    """Checks the table's requests and the report's rules on made-up Kamailio lines and events, so
    the live test's verdicts are known to be able to say FAIL."""
    cases = read_table(args.table)
    src, dst = "203.0.113.2", "192.0.2.2"
    problems = []
    for case in cases:
        data = build_request(case, src, dst, 5060)
        plain = build_request(Case(case.name, case.transport, case.method, [], "", 0, case.index), src, dst, 5060)
        head, sep, body = plain.partition(b"\r\n\r\n")
        length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n")
        if not sep or not length or int(length.group(1)) != len(body):
            problems.append(f"{case.name}: the template's Content-Length is not its body's length")
        if not case.unchanged and data == plain and not split_points(case):
            problems.append(f"{case.name}: the mutations change nothing")
    for name, want, measure in (("big-sdp-tcp", 65536, lambda d: len(d.partition(b"\r\n\r\n")[2])),
                                ("long-header-4k-udp", 4096, lambda d: max(len(l) for l in d.split(b"\r\n")))):
        for c in cases:
            if c.name == name and measure(build_request(c, src, dst, 5060)) != want:
                problems.append(f"{name}: {measure(build_request(c, src, dst, 5060))} bytes, want {want}")

    # The report's rules on made-up cases.
    made = [Case("plain", "udp", "INVITE", [], "", 1, 1), Case("bad", "udp", "INVITE", [("cl", "abc")], "", 2, 2),
            Case("refused", "udp", "INVITE", [("drop", "Via")], "", 3, 3),
            Case("swapped", "udp", "INVITE", [("dup", "From:x")], "", 4, 4),
            Case("lower", "udp", "INVITE", [("method", "invite")], "", 5, 5)]
    ids = {c.name: identities(c, src, dst, 5060) for c in made}
    def route(name, method="INVITE", mid=1, fuser=None):
        i = ids[name]
        return Route("udp", method, mid, i["callid"], fuser or i["fuser"], i["ruser"], i["ftag"])
    def event(name, fuser=None, action="tag"):
        i = ids[name]
        return {"kind": "call", "call_id": i["callid"], "caller": {"user": fuser or i["fuser"]},
                "callee": {"user": i["ruser"]}, "action": action}
    routes = [route("plain"), route("bad"), route("swapped"), route("lower", "invite")]
    full = {ids[n]["callid"]: [event(n)] for n in ("plain", "refused", "lower")}
    full[ids["swapped"]["callid"]] = [event("swapped", fuser="+84912345678")]
    rows = {r.case.name: r for r in assess(made, routes, full, dict(full), src, "tag")}
    want = {"plain": "ok", "bad": "FAIL", "refused": "ok (refused, judged)", "swapped": "FAIL", "lower": "ok"}
    for name, result in want.items():
        if rows[name].result != result:
            problems.append(f"report rule: {name} is {rows[name].result!r}, want {result!r}")
    if "caller +84912345678 but Kamailio read From user" not in rows["swapped"].inline[1]:
        problems.append(f"report rule: a different caller is not named: {rows['swapped'].inline[1]}")
    if rows["lower"].kamailio != "yes (invite)":
        problems.append(f"report rule: lower-case method shown as {rows['lower'].kamailio!r}")
    wrong_action = assess(made[:1], routes, {ids["plain"]["callid"]: [event("plain", action="allow")]}, full, src, "tag")
    if wrong_action[0].result != "FAIL":
        problems.append("report rule: an event with another action than the policy's passes")
    not_routed = assess(made[:1], [], full, full, src, "tag")
    if not not_routed[0].harness_broken:
        problems.append("report rule: an unchanged template Kamailio did not route is not a harness failure")
    sample = ("scamgate: nfqueue: call-id a@b: tag -> forwarded unchanged\n"
              "scamgate: nfqueue: call-id c@d: reject (enforced) -> dropped\nscamgate: nfqueue: bound queue 13\n")
    if gate_decisions(sample) != {"a@b", "c@d"}:
        problems.append(f"gate log lines read as {gate_decisions(sample)}")
    for p in problems:
        print(f"selftest: {p}", file=sys.stderr)
    print(f"selftest: {len(cases)} cases build; report rules checked; {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


# --- Show ----------------------------------------------------------------------------------------

def cmd_show(args) -> int:
    cases = read_table(args.table)
    wanted = set(args.names)
    for case in cases:
        if wanted and case.name not in wanted:
            continue
        data = build_request(case, "203.0.113.2", "192.0.2.2", 5060)
        shown = data if len(data) <= args.max_bytes else data[:args.max_bytes]
        print(f"== {case.name} ({case.transport}, {len(data)} bytes){' # ' + case.note if case.note else ''}")
        text = shown.decode("latin-1").encode("unicode_escape").decode("ascii").replace("\\n", "\\n\n")
        print(text + ("..." if len(shown) < len(data) else ""))
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show")
    s.add_argument("table")
    s.add_argument("names", nargs="*")
    s.add_argument("--max-bytes", type=int, default=2000)
    s = sub.add_parser("selftest")
    s.add_argument("table")
    s = sub.add_parser("send")
    s.add_argument("table")
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--work", required=True)
    s.add_argument("--kamailio-log", required=True)
    s.add_argument("--capture")
    s.add_argument("--ready-wait", type=float, default=30.0, help="seconds for the path to come up / drain")
    s.add_argument("--udp-pace", type=float, default=0.3, help="at most this long waiting for each UDP answer")
    s.add_argument("--reply-wait", type=float, default=2.0, help="seconds a TCP case waits for an answer")
    s.add_argument("--close-wait", type=float, default=10.0, help="seconds a TCP case waits for Kamailio to close")
    s = sub.add_parser("report")
    s.add_argument("table")
    s.add_argument("--work", required=True)
    s.add_argument("--kamailio-log", required=True)
    s.add_argument("--inline", required=True)
    s.add_argument("--replay", required=True)
    s.add_argument("--action", help="the action the test's policy gives every call and SMS")
    s.add_argument("--gate-log", help="scamgate run's log, for the gate's per-packet decisions")
    args = p.parse_args()
    return {"show": cmd_show, "selftest": cmd_selftest, "send": cmd_send, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
