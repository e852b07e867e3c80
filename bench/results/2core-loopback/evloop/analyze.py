#!/usr/bin/env python3
# analyze.py results/raw.txt -> markdown table: medians [min-max] and same-round ratios
import re, sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    m = re.search(r'round (\d+) scen (\S+) srv (\S+) port \d+ rps ([\d.]+) cpu0_busy (\d+)% us_per_resp ([\d.]+).*cpu1_busy (\d+)%', line)
    if not m: continue
    r, sc, sv = int(m[1]), m[2], m[3]
    rows[(sc, sv, r)] = dict(rps=float(m[4]), c0=int(m[5]), us=float(m[6]), c1=int(m[7]))
def fmt(v, d=0):
    return f"{st.median(v):.{d}f} [{min(v):.{d}f}–{max(v):.{d}f}]"
srvs = ['nginx', 'bare', 'loop', 'loopctx']
print("| scenario | server | rounds | rps median [min–max] | CPU0 µs/resp median [min–max] | CPU0 busy % | CPU1 (wrk) busy % | rps ÷ nginx | rps ÷ bare | resp per CPU0-s ÷ nginx | resp per CPU0-s ÷ bare |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for sc in ['k16', 'k48', 'd2m']:
    for sv in srvs:
        rs = sorted(r for (a, b, r) in rows if a == sc and b == sv)
        if not rs: continue
        g = lambda k: [rows[(sc, sv, r)][k] for r in rs]
        def ratio(ref, key, inv=False):
            v = [ (rows[(sc, ref, r)][key] / rows[(sc, sv, r)][key]) if inv else (rows[(sc, sv, r)][key] / rows[(sc, ref, r)][key]) for r in rs if (sc, ref, r) in rows]
            return fmt(v, 2) if v else '-'
        print(f"| {sc} | {sv} | {len(rs)} | {fmt(g('rps'))} | {fmt(g('us'), 1)} | {fmt(g('c0'))} | {fmt(g('c1'))} | {ratio('nginx','rps')} | {ratio('bare','rps')} | {ratio('nginx','us',True)} | {ratio('bare','us',True)} |")
