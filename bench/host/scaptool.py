#!/usr/bin/env python3
"""Helpers for bench/host/run.sh (standard library only).

  scaptool.py widen SRC DST           copy an SSG Debian 11 data stream and make
                                      its Debian 11 platform check match 12 too
  scaptool.py tailor DS OUT PROFILE   write an XCCDF 1.2 tailoring file whose
                                      profile PROFILE selects every Group and
                                      every Rule of the benchmark in DS
  scaptool.py count-xccdf RESULTS     tally the rule-results of an oscap
                                      --results file
  scaptool.py count-cloudward JSON    tally the verdicts of a
                                      `cloudward scan host --format json` file

The count-* commands print `key=value` lines for the shell to read.
"""
import collections
import datetime
import json
import re
import sys
import xml.etree.ElementTree as ET

XCCDF = "http://checklists.nist.gov/xccdf/1.2"
Q = "{%s}" % XCCDF


def die(msg):
    sys.stderr.write("scaptool: %s\n" % msg)
    sys.exit(1)


def widen(src, dst):
    """The CPE `installed_OS_is_debian11` (every rule's platform) is an OVAL
    definition whose criterion is test_debian_11 -> obj_debian_11: a
    textfilecontent54_object matching /etc/debian_version against
    `^11.[0-9]+$`.  The data stream holds that object twice (the CPE OVAL
    component and the main OVAL component); widen the pattern in both so that
    12.x matches too.  Nothing else changes."""
    with open(src, encoding="utf-8") as f:
        text = f.read()
    obj_re = re.compile(
        r'(<ind:textfilecontent54_object id="oval:ssg-obj_debian_11:obj:1".*?'
        r'</ind:textfilecontent54_object>)', re.S)
    count = 0

    def fix(m):
        nonlocal count
        block = m.group(1)
        new, n = re.subn(r'<ind:pattern operation="pattern match">\^11\.\[0-9\]\+\$</ind:pattern>',
                         r'<ind:pattern operation="pattern match">^1[12]\\.[0-9]+$</ind:pattern>',
                         block)
        count += n
        return new

    text = obj_re.sub(fix, text)
    if count == 0:
        die("%s: no obj_debian_11 with pattern ^11.[0-9]+$ found; "
            "the SSG content changed, update scaptool.py widen" % src)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    print("widened=%d" % count)


def tailor(ds, out, profile_id):
    root = ET.parse(ds).getroot()
    bench = root.find(".//" + Q + "Benchmark")
    if bench is None:
        die("%s: no XCCDF 1.2 Benchmark inside" % ds)
    groups = [g.get("id") for g in bench.iter(Q + "Group")]
    rules = [r.get("id") for r in bench.iter(Q + "Rule")]
    profiles = [p.get("id") for p in bench.findall(Q + "Profile")]
    if not rules or not profiles:
        die("%s: benchmark has %d rules and %d profiles" % (ds, len(rules), len(profiles)))
    base = next((p for p in profiles if p.endswith("_profile_standard")), profiles[0])

    ET.register_namespace("xccdf", XCCDF)
    t = ET.Element(Q + "Tailoring", {"id": "xccdf_org.cloudward_tailoring_bench-all"})
    ET.SubElement(t, Q + "benchmark", {"href": ds})
    ver = ET.SubElement(t, Q + "version", {
        "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")})
    ver.text = "1"
    p = ET.SubElement(t, Q + "Profile", {"id": profile_id, "extends": base})
    ET.SubElement(p, Q + "title").text = "cloudward benchmark: every group and every rule"
    ET.SubElement(p, Q + "description").text = (
        "Derived from %s; selects all %d groups and %d rules." % (base, len(groups), len(rules)))
    # A rule is evaluated only when it and every enclosing group are selected:
    # selecting groups too matters, many are selected="false" by default.
    for i in groups + rules:
        ET.SubElement(p, Q + "select", {"idref": i, "selected": "true"})
    if hasattr(ET, "indent"):
        ET.indent(t)
    ET.ElementTree(t).write(out, encoding="UTF-8", xml_declaration=True)
    print("benchmark=%s" % bench.get("id"))
    print("base_profile=%s" % base)
    print("groups=%d" % len(groups))
    print("rules=%d" % len(rules))


# Result kinds that mean "no check was run against the system".
NOT_EVALUATED = {"notapplicable", "notchecked", "notselected"}


def count_xccdf(path):
    root = ET.parse(path).getroot()
    trs = list(root.iter(Q + "TestResult"))
    if not trs:
        die("%s: no TestResult (oscap did not finish?)" % path)
    tally = collections.Counter()
    for rr in trs[-1].iter(Q + "rule-result"):
        res = rr.find(Q + "result")
        tally[res.text.strip() if res is not None and res.text else "missing"] += 1
    total = sum(tally.values())
    evaluated = sum(n for k, n in tally.items() if k not in NOT_EVALUATED)
    print("total=%d" % total)
    print("evaluated=%d" % evaluated)
    for k in ("pass", "fail", "error", "unknown", "notapplicable", "notchecked",
              "notselected", "informational", "fixed"):
        print("%s=%d" % (k, tally.get(k, 0)))
    print("breakdown=%s" % " ".join("%s:%d" % kv for kv in sorted(tally.items())))


def _find_results(doc):
    """The list of per-check results in cloudward's JSON."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("results", "checks", "findings"):
            if isinstance(doc.get(key), list):
                return doc[key]
        best = None
        for v in doc.values():
            cand = _find_results(v) if isinstance(v, (dict, list)) else None
            if cand is not None and (best is None or len(cand) > len(best)):
                best = cand
        return best
    return None


def count_cloudward(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die("%s: %s" % (path, e))
    results = _find_results(doc)
    if results is None:
        die("%s: no list of results found in the JSON" % path)
    tally = collections.Counter()
    for r in results:
        v = "?"
        if isinstance(r, dict):
            for key in ("verdict", "status", "result"):
                if isinstance(r.get(key), str):
                    v = r[key]
                    break
        tally[v.replace("_", "-")] += 1
    total = sum(tally.values())
    summary = doc.get("summary") if isinstance(doc, dict) else None
    if isinstance(summary, dict) and all(isinstance(n, int) for n in summary.values()):
        if sum(summary.values()) != total:
            die("%s: summary counts %d results but the list has %d" % (path, sum(summary.values()), total))
    evaluated = total - tally.get("not-applicable", 0)
    print("total=%d" % total)
    print("evaluated=%d" % evaluated)
    for k in ("pass", "fail", "not-applicable", "unknown", "error"):
        print("%s=%d" % (k.replace("-", ""), tally.get(k, 0)))
    print("breakdown=%s" % " ".join("%s:%d" % kv for kv in sorted(tally.items())))


def main(argv):
    cmds = {"widen": (widen, 2), "tailor": (tailor, 3),
            "count-xccdf": (count_xccdf, 1), "count-cloudward": (count_cloudward, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
