#!/usr/bin/env python3
"""Fills in tests/kannel/kannel.conf for one capture run (used by scripts/capture-smpp.sh).

usage: render_conf.py TEMPLATE OUT SMSC_HOST SMSC_PORT transceiver|pair WORKDIR [EXTRA...]

EXTRA: "key = value" sets (or adds) that key in the smsc group; a path to a file appends the
file (more groups, e.g. smpp-tlv).

transceiver: one smsc group, transceiver-mode = true (one TCP connection, bind_transceiver).
pair: Kannel 1.4.5 wants two smsc groups with the same smsc-id for a transmitter + receiver
link: the template's group (port = N, transceiver-mode = false: bind_transmitter) and a copy of
it with receive-port = N instead of port (bind_receiver). Both in one group is refused.
Comment lines keep their placeholders.
"""
import re
import sys


def main():
    src, dst, host, port, mode, work = sys.argv[1:7]
    extra = sys.argv[7:]
    if mode not in ("transceiver", "pair"):
        sys.exit(f"bad bind mode {mode!r}")
    bind = "transceiver-mode = true" if mode == "transceiver" else "transceiver-mode = false"
    lines = []
    for line in open(src, encoding="utf-8"):
        if not line.startswith("#"):
            for k, v in (("@SMSC_HOST@", host), ("@SMSC_PORT@", port), ("@BIND_MODE@", bind),
                         ("@WORK@", work)):
                line = line.replace(k, v)
        lines.append(line)
    text = "".join(lines)
    smsc = re.search(r"^group = smsc\n.*?(?=^group = )", text, re.M | re.S).group(0)
    new = smsc
    appended = []
    for e in extra:
        if "=" in e:
            key, value = (x.strip() for x in e.split("=", 1))
            line = f"{key} = {value}\n"
            new, n = re.subn(rf"^{re.escape(key)} = .*\n", line.replace("\\", "\\\\"), new, flags=re.M)
            if n == 0:
                new = new.rstrip("\n") + "\n" + line + "\n"
        else:
            with open(e, encoding="utf-8") as f:
                appended.append(f.read())
    text = text.replace(smsc, new) + "".join("\n" + a for a in appended)
    if mode == "pair":
        smsc = re.search(r"^group = smsc\n.*?(?=^group = )", text, re.M | re.S).group(0)
        rx = re.sub(r"^port = (\d+)$", r"receive-port = \1", smsc, flags=re.M)
        rx = re.sub(r"^transceiver-mode = .*\n", "", rx, flags=re.M)
        text = text.replace(smsc, smsc + "# the receiver half (bind_receiver) of the same link\n" + rx)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
