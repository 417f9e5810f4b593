#!/usr/bin/env bash
# `scamgate run --mode bridge` on 802.1Q-tagged SIP (issue 13): the international trunk is defined
# only by its VLAN (`vlans: [100]`), the addresses are on no trunk. Three network namespaces made
# (and removed) by this test:
#   uac --veth-- gw (two ports, no addresses; scamgate bridges them) --veth-- uas
# Tagged frames (VLAN 100) made here are sent into the uac side with tcpreplay (this kernel has
# no 8021q for a VLAN sub-interface); a raw socket on the uas side captures what crosses. The
# policy is in enforce mode with drop for cli.domestic_on_international. 3 INVITEs present a
# domestic number (spoofed), 3 a foreign one.
# The bridge hands the inline gate the whole frame, so its decision sees the VLAN tag and matches
# the trunk as the worker does (issue 13, stage 2). The test asserts what the far side captured and
# that every event's `enforced` matches it: the 3 spoofed INVITEs never cross and their events say
# drop, enforced true, no not_enforced_reason; the 3 foreign ones cross and say allow, enforced
# false.
# Needs root, `ip netns`, tcpreplay, ethtool, python3; exits 77 (skipped) without.
set -euo pipefail

BIN=${SCAMGATE_BIN:-build/scamgate}
SRC=${SCAMGATE_SOURCE_DIR:-$(pwd)}

skip() {
    echo "SKIP: test_inline_bridge_vlan: $*" >&2
    exit 77
}
fail() {
    echo "FAIL: test_inline_bridge_vlan: $*" >&2
    exit 1
}
log() { echo "test_inline_bridge_vlan: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, packet capture)"
for tool in ip tcpreplay ethtool python3; do
    command -v "$tool" >/dev/null || skip "$tool is missing"
done
[[ -x $BIN ]] || fail "no scamgate binary at $BIN"
probe=sgvprobe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
ip netns del "$probe"

NS_UAC=sgv-uac-$$
NS_GW=sgv-gw-$$
NS_UAS=sgv-uas-$$
WORK=$(mktemp -d /tmp/scamgate-vlan.XXXXXX)
SCAMGATE_PID=
CAPTURE_PID=
cleanup() {
    for pid in $SCAMGATE_PID $CAPTURE_PID; do
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_UAC" 2>/dev/null || true
    ip netns del "$NS_GW" 2>/dev/null || true
    ip netns del "$NS_UAS" 2>/dev/null || true
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

for ns in "$NS_UAC" "$NS_GW" "$NS_UAS"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add sgvu$$ netns "$NS_UAC" type veth peer name sgvg1$$ netns "$NS_GW"
ip link add sgvs$$ netns "$NS_UAS" type veth peer name sgvg2$$ netns "$NS_GW"
for link in "$NS_UAC sgvu$$" "$NS_GW sgvg1$$" "$NS_GW sgvg2$$" "$NS_UAS sgvs$$"; do
    set -- $link
    ip -n "$1" link set "$2" up
    # Keep the 802.1Q tag in the frame (no VLAN acceleration to strip it into metadata).
    ip netns exec "$1" ethtool -K "$2" rxvlan off txvlan off >/dev/null 2>&1 || true
done

# The tagged INVITEs: Ethernet, 802.1Q VLAN 100, IPv4 10.99.0.2 -> 10.99.0.3 (on no trunk), UDP 5060.
python3 - "$WORK/vlan.pcap" <<'PY'
import struct, sys
def checksum(data):
    if len(data) % 2: data += b"\0"
    s = sum(struct.unpack(f"!{len(data)//2}H", data))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
def invite(call_id, caller, name):
    return (f"INVITE sip:+84903002002@10.99.0.3 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 10.99.0.2:5060;branch=z9hG4bK-{call_id}\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: \"{name}\" <sip:{caller}@10.99.0.2;user=phone>;tag=t-{call_id}\r\n"
            f"To: <sip:+84903002002@10.99.0.3;user=phone>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{caller}@10.99.0.2:5060>\r\n"
            f"Content-Length: 0\r\n\r\n").encode()
def frame(payload, ident):
    src, dst = bytes([10, 99, 0, 2]), bytes([10, 99, 0, 3])
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 5060, 5060, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000003" "020000000002") + struct.pack("!HH", 0x8100, 100) + struct.pack("!H", 0x0800)
    return eth + ip + udp
frames = []
for i in range(1, 4):
    frames.append(frame(invite(f"vlan-spoofed-{i}", "+84912345678", "Ngan hang"), i))
    frames.append(frame(invite(f"vlan-foreign-{i}", "+442079460123", "London caller"), 100 + i))
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n, f in enumerate(frames):
        out.write(struct.pack("<IIII", 1700000000 + n, 0, len(f), len(f)) + f)
PY

# The bundled configuration, the policy in enforce mode, and the international trunk by VLAN only.
mkdir -p "$WORK/config"
cp -r "$SRC"/config/. "$WORK/config/"
ln -s "$SRC/signatures" "$WORK/signatures"
sed -i 's/^mode: monitor/mode: enforce/' "$WORK/config/policy.yaml"
grep -q "^mode: enforce" "$WORK/config/policy.yaml" || fail "policy: could not set enforce mode"
python3 - "$WORK/config/scamgate.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
assert "\ntrunks:\n" in text, "no trunks: section in the bundled config"
text = text.replace("\ntrunks:\n", "\ntrunks:\n  - name: intl-vlan\n    role: international\n    vlans: [100]\n", 1)
open(path, "w").write(text)
PY

# What crosses the bridge: every SIP INVITE's Call-ID seen on the uas side.
ip netns exec "$NS_UAS" python3 - "$WORK/crossed.txt" sgvs$$ <<'PY' &
import re, socket, sys, time
out, ifname = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((ifname, 0))
s.settimeout(0.2)
open(out + ".ready", "w").close()
seen = []
end = time.time() + 60
while time.time() < end and not __import__("os").path.exists(out + ".stop"):
    try:
        frame = s.recv(65535)
    except socket.timeout:
        continue
    m = re.search(rb"^Call-ID: (\S+)\r$", frame, re.M)
    if frame.find(b"INVITE sip:") >= 0 and m:
        seen.append(m.group(1).decode())
        with open(out, "w") as f:
            f.write("\n".join(seen) + "\n")
PY
CAPTURE_PID=$!
for _ in $(seq 1 100); do [[ -e $WORK/crossed.txt.ready ]] && break; sleep 0.1; done
[[ -e $WORK/crossed.txt.ready ]] || fail "the capture on the uas side did not start"

ip netns exec "$NS_GW" "$BIN" run -c "$WORK/config/scamgate.yaml" --mode bridge --interface sgvg1$$ --interface sgvg2$$ \
    --events "$WORK/events.jsonl" --stats json --duration 600 >"$WORK/stats.json" 2>"$WORK/scamgate.log" &
SCAMGATE_PID=$!
for _ in $(seq 1 1200); do
    grep -q "bridging sgvg2$$" "$WORK/scamgate.log" 2>/dev/null && break
    kill -0 "$SCAMGATE_PID" 2>/dev/null || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited before it was ready"; }
    sleep 0.1
done
grep -q "bridging sgvg2$$" "$WORK/scamgate.log" || fail "scamgate not bridging within 120 s"
sleep 0.3

ip netns exec "$NS_UAC" tcpreplay -q -i sgvu$$ "$WORK/vlan.pcap" >"$WORK/tcpreplay.log" 2>&1 || { cat "$WORK/tcpreplay.log" >&2; fail "tcpreplay failed"; }
sleep 1
touch "$WORK/crossed.txt.stop"
wait "$CAPTURE_PID" || true
CAPTURE_PID=
kill -TERM "$SCAMGATE_PID"
rc=0
wait "$SCAMGATE_PID" || rc=$?
SCAMGATE_PID=
[[ $rc -eq 0 ]] || { cat "$WORK/scamgate.log" >&2; fail "scamgate exited $rc"; }
touch "$WORK/crossed.txt"

python3 - "$WORK" <<'PY' || fail "checks failed (see above)"
import json, sys
work = sys.argv[1]
crossed = set(open(f"{work}/crossed.txt").read().split())
events = {e["call_id"]: e for e in (json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()) if "call_id" in e}
print(f"crossed: {sorted(crossed)}", file=sys.stderr)
for call_id in sorted(events):
    e = events[call_id]
    print(f"{call_id}: trunk {e.get('trunk')} action {e['action']} enforced {e['enforced']} "
          f"reason {e.get('not_enforced_reason')} crossed {call_id in crossed}", file=sys.stderr)
spoofed = [f"vlan-spoofed-{i}" for i in (1, 2, 3)]
foreign = [f"vlan-foreign-{i}" for i in (1, 2, 3)]
assert set(events) == set(spoofed + foreign), sorted(events)
assert all(events[c]["trunk"] == "intl-vlan" for c in spoofed + foreign), "the worker did not match the VLAN trunk"
# The gate sees the VLAN: the spoofed INVITEs stop at the bridge, the foreign ones cross.
assert crossed == set(foreign), sorted(crossed)
for c in spoofed:
    e = events[c]
    assert e["action"] == "drop" and e["enforced"] is True and "not_enforced_reason" not in e, e
for c in foreign:
    e = events[c]
    assert e["action"] == "allow" and e["enforced"] is False and "not_enforced_reason" not in e, e
# The truth test: an event claims enforcement only for a call that did not cross.
for c, e in events.items():
    assert e["enforced"] == (c not in crossed) or e["action"] in ("allow", "alert"), (c, e["enforced"])
stats = json.load(open(f"{work}/stats.json"))
assert stats.get("policy.not_enforced.decided_otherwise", 0) == 0 and stats["policy.applied"] == 3, stats
assert stats["inline.dropped"] == 3 and stats["bridge.dropped"] == 3, stats
PY
log "PASS"
