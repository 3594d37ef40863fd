#!/usr/bin/env python3
"""Turns the suite's raw results (one tab-separated record a line) into the table that run.sh
prints, and optionally into the generated part of docs/benchmarks.md.

Records:  M key value                          machine facts
          L scenario start|end loadavg          load average (1, 5, 15 min) at a scenario's start/end
          R scenario metric contender value     one measurement (one round)
          C scenario metric label unit forkd peer op target
                                                a comparison: ratio = median(forkd) / median(peer)
          S scenario metric contender label unit op target
                                                a figure judged on its own (op '-' = no target)
          K scenario reason                     a scenario skipped, and why
usage: report.py RESULTS [--quick] [--markdown OUT]   (OUT's part between the markers is replaced)

--quick: the results come from run.sh --quick (1 round of 1-second runs, a smoke test): ratios and
figures are printed, but labelled not comparable instead of judged against their targets.
"""
import statistics, sys
from collections import defaultdict

NOT_COMPARABLE = "not comparable (--quick)"
BEGIN, END = "<!-- bench:begin (written by scripts/bench/run.sh) -->", "<!-- bench:end -->"
SCENARIOS = {
    "1": "relay, HTTP keep-alive",
    "2": "echo round trips",
    "3": "connection rate",
    "4": "bulk",
    "5": "isolation cost",
    "6": "prefork peer",
    "7": "compute handlers: a worker's JIT vs a plain JVM",
    "8": "TLS termination",
}


def fmt(v):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main():
    path = sys.argv[1]
    out = sys.argv[sys.argv.index("--markdown") + 1] if "--markdown" in sys.argv else None
    quick = "--quick" in sys.argv
    machine, load, values, rows, skipped = {}, defaultdict(dict), defaultdict(list), [], {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if f[0] == "M":
            machine[f[1]] = f[2]
        elif f[0] == "L":
            load[f[1]][f[2]] = f[3]
        elif f[0] == "R":
            values[(f[1], f[2], f[3])].append(float(f[4]))
        elif f[0] in ("C", "S"):
            rows.append(f)
        elif f[0] == "K":
            skipped[f[1]] = f[2]

    def summary(s, m, c):
        v = values.get((s, m, c))
        if not v:
            return None, "–"
        med = statistics.median(v)
        if len(v) == 1:
            return med, fmt(med)
        return med, f"{fmt(med)} ({fmt(min(v))}–{fmt(max(v))})"

    table = []
    for f in rows:
        if f[0] == "C":
            _, s, m, label, unit, a, b, op, target = f
            ma, ta = summary(s, m, a)
            mb, tb = summary(s, m, b)
            ratio = ma / mb if ma is not None and mb else None
            met = "–" if ratio is None or op == "-" else ("yes" if (ratio >= float(target) if op == ">=" else ratio <= float(target)) else "NO")
            if quick and op != "-":
                met = NOT_COMPARABLE
            table.append((s, f"{label} [{unit}]", f"{a}: {ta}", f"{b}: {tb}", f"{ratio:.2f}×" if ratio else "–",
                          "–" if op == "-" else f"{op} {target}×", met))
        else:
            _, s, m, c, label, unit, op, target = f
            med, text = summary(s, m, c)
            met = "–"
            if op != "-" and med is not None:
                met = "yes" if (med >= float(target) if op == ">=" else med <= float(target)) else "NO"
            if quick and op != "-":
                met = NOT_COMPARABLE
            table.append((s, f"{label} [{unit}]", f"{c}: {text}", "", "", "–" if op == "-" else f"{op} {target}", met))

    head = ("#", "what", "forkd: median (min–max)", "peer: median (min–max)", "ratio", "target", "met")
    loads = {s: f"load {load[s].get('start', '?')} → {load[s].get('end', '?')}" for s in load}
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    last = None
    for r in table:
        if r[0] != last and r[0] in loads:
            lines.append(f"({r[0]}) {SCENARIOS.get(r[0], '')} — {loads[r[0]]}")
        last = r[0]
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    for s, why in skipped.items():
        lines.append(f"({s}) {SCENARIOS.get(s, '')} — skipped: {why}")
    if quick:
        lines.append("")
        lines.append("--quick: 1 round of very short runs, a smoke test: the ratios and figures are not comparable with full runs,")
        lines.append("and are not judged against their targets. Run without --quick for results.")
    print("\n".join(lines))

    if out:
        md = [BEGIN, "", "## Latest run" + (" (--quick: a smoke test, not comparable)" if quick else ""), ""]
        md.append("| | |\n|---|---|")
        for k in ("date", "command", "cpus", "memory", "jdk", "haproxy", "wrk", "gunicorn", "forkd-B", "scenario 8", "rounds",
                  "load at start", "load at end"):
            if k in machine:
                md.append(f"| {k} | {machine[k]} |")
        md.append("")
        md.append("| # | what | forkd: median (min–max) | peer: median (min–max) | ratio | target | met | load avg (1 5 15 min) start → end |")
        md.append("|---|---|---|---|---|---|---|---|")
        for r in table:
            md.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + f" | {loads.get(r[0], '')[5:]} |")
        for s, why in skipped.items():
            md.append(f"\nScenario {s} ({SCENARIOS.get(s, '')}) skipped: {why}")
        md.append("")
        md.append(END)
        try:
            text = open(out).read()
        except FileNotFoundError:
            text = "# forkd benchmarks\n\n" + BEGIN + "\n" + END + "\n"
        if BEGIN in text and END in text:
            pre, rest = text.split(BEGIN, 1)
            post = rest.split(END, 1)[1]
            text = pre + "\n".join(md) + post
        else:
            text = text.rstrip("\n") + "\n\n" + "\n".join(md) + "\n"
        with open(out, "w") as fh:
            fh.write(text)


main()
