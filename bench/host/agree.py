#!/usr/bin/env python3
"""agree.py OSCAP_RESULTS.xml CLOUDWARD.json - agreement per cited rule.

For every SSG rule a cloudward result cites (`ssg` in the JSON report, or
each entry of `cited` with its own verdict when a check cites several),
the verdict oscap gave that rule on the same tree: both
pass, both fail, or a disagreement, listed with cloudward's reason. Only
verdicts both tools decided (pass or fail) are compared; a rule oscap did
not evaluate (not applicable, not checked, not selected) or that cloudward
could not decide (unknown, not-applicable) is counted apart.

Prints a summary line "agree N of M comparable" and one line per
disagreement; exits 0 whatever the figures (a benchmark, not a test).
"""
import json
import sys
import xml.etree.ElementTree as ET

XCCDF = "{http://checklists.nist.gov/xccdf/1.2}"
PREFIX = "xccdf_org.ssgproject.content_rule_"


def oscap_results(path):
    out = {}
    for rr in ET.parse(path).iter(XCCDF + "rule-result"):
        rid = rr.get("idref", "")
        if not rid.startswith(PREFIX):
            continue
        res = rr.find(XCCDF + "result")
        out[rid[len(PREFIX):]] = res.text if res is not None else "?"
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    theirs = oscap_results(sys.argv[1])
    doc = json.load(open(sys.argv[2], encoding="utf-8"))
    ours = doc["results"]
    checks = doc.get("checks")  # schema 2: each check once
    agree, differ, apart = 0, [], {}
    for r in ours:
        # A check citing several rules lists each with its own verdict in
        # `cited`; one citing a single rule as a whole gives it its own.
        if "cited" in r:
            pairs = [(c["id"], c["verdict"], c.get("reason", r.get("reason", "")))
                     for c in r["cited"] if c["scheme"] == "ssg"]
        elif (checks[r["check"]] if checks else r).get("ssg"):
            ssg = (checks[r["check"]] if checks else r)["ssg"]
            pairs = [(ssg, r["verdict"], r.get("reason", ""))]
        else:
            continue
        for rule, o, why in pairs:
            t = theirs.get(rule)
            if t is None:
                apart["not in oscap's results"] = apart.get("not in oscap's results", 0) + 1
                continue
            if t not in ("pass", "fail") or o not in ("pass", "fail"):
                key = "oscap %s / cloudward %s" % (t, o)
                apart[key] = apart.get(key, 0) + 1
                continue
            if t == o:
                agree += 1
            else:
                differ.append((rule, r["id"], o, t, why or ""))
    total = agree + len(differ)
    print("agree %d of %d comparable verdicts (SSG rules cited)" % (agree, total))
    for k in sorted(apart):
        print("  not compared: %d (%s)" % (apart[k], k))
    for rule, cid, o, t, why in sorted(differ):
        print("  differ: %s (check %s): cloudward %s, oscap %s: %s" % (rule, cid, o, t, why))


if __name__ == "__main__":
    main()
