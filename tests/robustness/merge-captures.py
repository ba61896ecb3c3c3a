#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Merge captures into one file in which every connection stays distinct.

The captures reuse the same addresses, ports, sequence numbers and
timestamps, so a plain mergecap would fold their connections into one
another (Wireshark would see retransmissions, not new connections). In
capture k (in the order given) the i-th distinct IPv4 address becomes
10.k/256.k%256.i (i from 1; at most 254 addresses per capture), checksums
are recomputed and timestamps move k seconds later; the captures are then
written one after the other.

    merge-captures.py OUT.pcapng CAPTURE...

Needs python3-scapy.
"""
import sys

from scapy.all import IP, TCP, UDP, PcapNgReader, PcapNgWriter


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, caps = sys.argv[1], sys.argv[2:]
    n = 0
    with PcapNgWriter(out) as wr:
        for k, cap in enumerate(caps):
            net, addrs = "10.%d.%d." % (k // 256, k % 256), {}
            with PcapNgReader(cap) as rd:
                for pkt in rd:
                    if IP in pkt:
                        ip = pkt[IP]
                        for field in ("src", "dst"):
                            a = getattr(ip, field)
                            if a not in addrs:
                                if len(addrs) == 254:
                                    sys.exit("%s: more than 254 IPv4 addresses" % cap)
                                addrs[a] = net + str(len(addrs) + 1)
                            setattr(ip, field, addrs[a])
                        del ip.chksum
                        for l4 in (TCP, UDP):
                            if l4 in pkt:
                                del pkt[l4].chksum
                    t = pkt.time + k
                    pkt = pkt.__class__(bytes(pkt))
                    pkt.time = t
                    wr.write(pkt)
                    n += 1
    print("%s: %d packets from %d captures" % (out, n, len(caps)))


if __name__ == "__main__":
    main()
