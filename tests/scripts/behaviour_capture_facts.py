#!/usr/bin/env python3
"""Facts of a behaviour capture, read with tshark (the oracle), that its expected findings rest on
(docs/behaviour-captures.md): SIP message counts, Call-IDs, per caller the most INVITEs in any
60 s, the most calls open at once, ring time to CANCEL, talk time (200 to BYE), REGISTER + INVITE
per source in any 10 s; for SMPP the submit_sm count, senders, recipients and the most SMS per
sender in any 60 s.

usage: behaviour_capture_facts.py PCAP...    (needs tshark)
"""
import collections
import subprocess
import sys


def tshark(pcap, display_filter, *fields, extra=()):
    cmd = ["tshark", "-r", pcap, *extra, "-Y", display_filter, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def most_in_window(times, window):
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] < t - window:  # the window (t - window, t] ends at each event
            j += 1
        best = max(best, i - j + 1)
    return best


def span(values):
    return f"{min(values):.2f}-{max(values):.2f} s" if values else "none"


def sip_facts(pcap):
    rows = tshark(pcap, "sip", "frame.time_epoch", "sip.Method", "sip.Status-Code", "sip.CSeq.method",
                  "sip.Call-ID", "sip.from.user", "ip.src")
    counts = collections.Counter()
    calls = {}
    registers = collections.defaultdict(list)
    for t, method, status, cseq, cid, user, src in rows:
        t = float(t)
        counts[method or f"{status} ({cseq})"] += 1
        if cseq == "REGISTER":
            if method:
                registers[src].append(t)
            continue
        c = calls.setdefault(cid, {"caller": None, "src": None, "invite": None, "ringing": None, "answer": None,
                                   "cancel": None, "bye": None, "end": None})
        if method == "INVITE" and c["invite"] is None:
            c.update(invite=t, caller=user, src=src)
            registers[src].append(t)
        elif status == "180" and c["ringing"] is None:
            c["ringing"] = t
        elif status == "200" and cseq == "INVITE" and c["answer"] is None:
            c["answer"] = t
        elif method == "CANCEL":
            c["cancel"] = t
        elif method == "BYE":
            c["bye"] = t
        if status and cseq in ("INVITE", "BYE") and int(status) >= 200 and not (status == "200" and cseq == "INVITE"):
            c["end"] = t  # a final error to the INVITE, or the 200 to the BYE
    print(f"{pcap}: {len(rows)} SIP messages, {len({r[4] for r in rows})} Call-IDs, {len(calls)} calls")
    print("  messages: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    by_caller = collections.defaultdict(list)
    for c in calls.values():
        by_caller[c["caller"]].append(c)
    for caller, cs in by_caller.items():
        invites = [c["invite"] for c in cs]
        open_at = [sum(1 for o in cs if o["invite"] <= c["invite"] and (o["end"] is None or o["end"] > c["invite"]))
                   for c in cs]
        answered = [c for c in cs if c["answer"] is not None]
        cancelled = [c for c in cs if c["cancel"] is not None]
        print(f"  caller {caller}: {len(cs)} calls, {len(answered)} answered, {len(cancelled)} cancelled; "
              f"INVITEs {span([0.0, max(invites) - min(invites)])} apart first to last, most in any 60 s: "
              f"{most_in_window(invites, 60)}; most open at an INVITE (itself included): {max(open_at)}")
        if cancelled:
            print(f"    INVITE to CANCEL: {span([c['cancel'] - c['invite'] for c in cancelled])}")
        if answered:
            print(f"    answer to BYE: {span([c['bye'] - c['answer'] for c in answered if c['bye']])}")
    for src, times in registers.items():
        reg = [float(r[0]) for r in rows if r[1] == "REGISTER" and r[6] == src]
        if reg:
            print(f"  source {src}: {len(reg)} REGISTER over {span([0.0, max(reg) - min(reg)])}, INVITEs "
                  f"{span([t - min(reg) for t in sorted(set(times) - set(reg))])} after the first REGISTER; most REGISTER + "
                  f"INVITE in any 10 s: {most_in_window(times, 10)}")


def smpp_facts(pcap):
    rows = tshark(pcap, "smpp.command_id == 0x00000004", "frame.time_epoch", "smpp.source_addr",
                  "smpp.destination_addr", "gsm_sms.udh.mm.msg_part")
    pdus = []  # one frame may hold several submit_sm (Kannel writes parts back to back)
    for t, src, dst, part in rows:
        srcs, dsts = src.split(","), dst.split(",")
        parts = part.split(",") if part else [""] * len(srcs)
        if len(parts) != len(srcs):
            sys.exit(f"{pcap}: a frame mixes parts with and without a UDH: {src} {part}")
        pdus += [(t, s, d, p) for s, d, p in zip(srcs, dsts, parts)]
    messages = [r for r in pdus if r[3] in ("", "1")]  # first parts: one per SMS
    senders = collections.defaultdict(list)
    for t, src, dst, _ in messages:
        senders[src].append(float(t))
    print(f"{pcap}: {len(pdus)} submit_sm, {len(messages)} SMS, {len(senders)} senders, "
          f"{len({r[2] for r in messages})} recipients; most SMS of one sender in any 60 s: "
          f"{max(most_in_window(t, 60) for t in senders.values())}")


def main():
    for pcap in sys.argv[1:]:
        if tshark(pcap, "smpp", "frame.number"):
            smpp_facts(pcap)
        else:
            sip_facts(pcap)


if __name__ == "__main__":
    main()
