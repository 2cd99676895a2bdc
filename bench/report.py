#!/usr/bin/python3
"""bench/report.py RESULTS: the table bench/run prints, from its raw figures.

The raw file has one figure per line, "TARGET METRIC VALUE" (lines
starting with '#' are comments).  Targets: direct, microsocks, tord, tor.
For each metric the table shows the median of each target (with the
quartiles for tord and tor), and the ratios tord/tor, tord/microsocks and
tord/direct of the medians.  Below it, issue #8's targets, each marked
met or missed from the same figures.
"""
import sys
from collections import defaultdict

TARGETS = ["direct", "microsocks", "tord", "tor"]

# metric, label, unit kind ("hi" = higher is better, "lo" = lower)
ROWS = [
    ("bulk_mbps", "bulk download, MB/s", "hi"),
    ("upload_mbps", "upload, MB/s", "hi"),
    ("cpu_s_per_gib", "CPU-s per GiB (all net procs)", "lo"),
    ("cpu_s_per_gib_net", "  same, net of idle", "lo"),
    ("idle_cpu_pct", "idle CPU, % of one core", "lo"),
    ("k1_ttfb_ms", "TTFB 1 KiB, built circuit, ms", "lo"),
    ("reuse_ttfb_ms", "5 MiB: TTFB, ms", "lo"),
    ("reuse_t50k_ms", "5 MiB: 50 KiB, ms", "lo"),
    ("reuse_t1m_ms", "5 MiB: 1 MiB, ms", "lo"),
    ("reuse_t5m_ms", "5 MiB: 5 MiB, ms", "lo"),
    ("fresh_ttfb_ms", "fresh circ: TTFB, ms", "lo"),
    ("fresh_t50k_ms", "fresh circ: 50 KiB, ms", "lo"),
    ("fresh_t1m_ms", "fresh circ: 1 MiB, ms", "lo"),
    ("fresh_t5m_ms", "fresh circ: 5 MiB, ms", "lo"),
    ("circuit_build_ms", "circuit build (3 hops), ms", "lo"),
    ("conc100_wall_s", "100 concurrent: wall s", "lo"),
    ("conc100_failures", "100 concurrent: failures", "lo"),
    ("conc1000_wall_s", "1000 concurrent: wall s", "lo"),
    ("conc1000_failures", "1000 concurrent: failures", "lo"),
    ("conc10000_wall_s", "10000 concurrent: wall s", "lo"),
    ("conc10000_failures", "10000 concurrent: failures", "lo"),
    ("conc10000_req_median_ms", "10000 concurrent: per-req median ms", "lo"),
    ("rss_client_idle_mib", "RSS client idle, MiB", "lo"),
    ("rss_relay_idle_mib", "RSS relay idle (max), MiB", "lo"),
    ("hold_circuits_before", "circuits before NEWNYM (hold)", "lo"),
    ("hold_circuits_after", "circuits after NEWNYM (hold)", "lo"),
    ("rss_client_before_hold_mib", "RSS client before the hold, MiB", "lo"),
    ("hold_streams_failed", "HELD held streams: failed", "lo"),
    ("rss_client_held_open_mib", "RSS client, HELD just opened, MiB", "lo"),
    ("rss_client_held_mib", "RSS client, HELD streams (settled), MiB", "lo"),
    ("rss_relay_held_mib", "RSS relay, HELD streams (max), MiB", "lo"),
    ("relay_kib_per_circ", "relay KiB per circuit-hop", "lo"),
    ("transfer_failures", "failed transfers (not counted)", "lo"),
]


def stats(v):
    v = sorted(v)
    n = len(v)
    if n == 0:
        return None
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    q1 = v[(n - 1) // 4]
    q3 = v[(3 * (n - 1) + 3) // 4] if n > 1 else v[0]
    return med, q1, q3, n


def fmt(x):
    if x is None:
        return "-"
    if x == int(x) and abs(x) < 1e6:
        return "%d" % x
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    if abs(x) >= 1:
        return "%.2f" % x
    return "%.3f" % x


def main():
    data = defaultdict(lambda: defaultdict(list))
    notes = []
    for line in open(sys.argv[1]):
        if line.startswith("#"):
            notes.append(line.rstrip())
            continue
        f = line.split()
        if len(f) != 3:
            continue
        try:
            data[f[0]][f[1]].append(float(f[2]))
        except ValueError:
            pass
    present = [t for t in TARGETS if t in data]
    # Failures are counted, not averaged: one line per failed transfer.
    for t in present:
        if data[t].get("transfer_failures"):
            data[t]["transfer_failures"] = [sum(data[t]["transfer_failures"])]
    med = {t: {m: (stats(v)[0] if v else None) for m, v in data[t].items()} for t in present}

    hdr = "%-42s" % "metric"
    for t in present:
        hdr += " %10s" % t
        if t in ("tord", "tor"):
            hdr += " %15s" % (t + " q1-q3")
    ratios = [r for r in ("tor", "microsocks", "direct") if r in present and "tord" in present]
    for r in ratios:
        hdr += " %11s" % ("tord/" + r)
    print(hdr)
    print("-" * len(hdr))
    for m, label, _ in ROWS:
        if not any(m in data[t] for t in present):
            continue
        held = next((stats(data[t]["hold_streams_n"])[0] for t in present
                     if data[t].get("hold_streams_n")), 0)
        row = "%-42s" % label.replace("HELD", "%d" % held)
        for t in present:
            s = stats(data[t].get(m, []))
            row += " %10s" % (fmt(s[0]) if s else "-")
            if t in ("tord", "tor"):
                row += " %15s" % (("%s-%s" % (fmt(s[1]), fmt(s[2]))) if s and s[3] > 2 else "")
        for r in ratios:
            a, b = med["tord"].get(m), med[r].get(m)
            row += " %11s" % (("%.3g" % (a / b)) if a is not None and b else "-")
        print(row)

    if "tord" not in present:
        return
    t = med["tord"]
    print()
    print("issue #8 targets (tord):")

    def check(label, ok, detail):
        print("  %-8s %-58s %s" % ("met" if ok else ("MISSED" if ok is not None else "n/a"), label, detail))

    def g(tgt, m):
        return med.get(tgt, {}).get(m)

    b, bt, bm = t.get("bulk_mbps"), g("tor", "bulk_mbps"), g("microsocks", "bulk_mbps")
    check("bulk >= 25x Tor", (b / bt >= 25) if b and bt else None,
          "%s x" % fmt(b / bt) if b and bt else "")
    check("bulk >= 60% of microsocks", (b / bm >= 0.6) if b and bm else None,
          "%.0f%%" % (100 * b / bm) if b and bm else "")
    c = t.get("cpu_s_per_gib")
    check("<= 4 CPU-s per GiB, all tord processes", (c <= 4) if c is not None else None,
          "%s CPU-s/GiB" % fmt(c))
    tt, td = t.get("k1_ttfb_ms"), g("direct", "k1_ttfb_ms")
    check("TTFB on a built circuit within 1 ms of direct",
          (tt - td <= 1.0) if tt is not None and td is not None else None,
          "+%.3f ms" % (tt - td) if tt is not None and td is not None else "")
    f10 = t.get("conc10000_failures")
    check("10,000 concurrent streams, no failure", (f10 == 0) if f10 is not None else None,
          "%s failed" % fmt(f10))
    hf = t.get("hold_streams_failed")
    r10 = t.get("rss_client_held_mib")
    hn = t.get("hold_streams_n") or 0
    check("client RSS < 16 MiB with 10,000 open streams",
          (r10 < 16 and hf == 0) if r10 is not None and hf is not None and hn >= 10000 else None,
          "%s MiB with %d streams (%s failed to open)" % (fmt(r10), hn, fmt(hf)))
    pc = t.get("relay_kib_per_circ")
    check("relay memory per circuit < 4 KiB beyond buffers", (pc < 4) if pc is not None else None,
          "%s KiB" % fmt(pc))
    for n in notes:
        if n.startswith("# note"):
            print(n[2:])


if __name__ == "__main__":
    main()
