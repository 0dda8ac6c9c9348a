#!/usr/bin/env python3
"""sarif_check.py FILE... - a SARIF file as its consumers take it.

1. Valid against the OASIS SARIF 2.1.0 JSON schema (tests/data/sarif-2.1.0,
   draft-04, with python3-jsonschema from Debian).
2. What GitHub code scanning's upload requires of each result: a location
   with an artifact URI, a region whose startLine is at least 1 when given,
   a ruleId the run's rules define; base URIs that are absolute file URIs
   ending in '/'; URIs without spaces or other bytes RFC 3986 forbids.

Prints one line per problem and exits 1 when there is any.
"""
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:  # the caller runs us with a python3 that has it
    sys.exit("sarif_check.py: python3-jsonschema is missing (scripts/setup.sh installs it)")

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "data", "sarif-2.1.0", "sarif-schema-2.1.0.json")
URI_OK = re.compile(r"^[A-Za-z0-9\-._~/%:]*$")


def problems(path):
    doc = json.load(open(path, encoding="utf-8"))
    schema = json.load(open(SCHEMA, encoding="utf-8"))
    v = jsonschema.Draft4Validator(schema)
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.path)):
        yield "schema: %s at %s" % (e.message[:200], "/".join(map(str, e.path)))
    for run in doc.get("runs", []):
        rules = {r["id"] for r in run["tool"]["driver"].get("rules", [])}
        for name, base in run.get("originalUriBaseIds", {}).items():
            uri = base.get("uri", "")
            if not uri.startswith("file:///") or not uri.endswith("/"):
                yield "base %s is not an absolute folder URI: %s" % (name, uri)
            if not URI_OK.match(uri[len("file://"):]):
                yield "base %s is not percent-encoded: %s" % (name, uri)
        for i, res in enumerate(run.get("results", [])):
            where = "result %d (%s)" % (i, res.get("ruleId"))
            if res.get("ruleId") not in rules:
                yield where + ": ruleId not among the rules"
            locs = res.get("locations") or []
            if not locs:
                yield where + ": no location"
                continue
            pl = locs[0].get("physicalLocation", {})
            uri = pl.get("artifactLocation", {}).get("uri")
            if not uri:
                yield where + ": no artifact URI"
            elif not URI_OK.match(uri.replace("file://", "", 1)):
                yield where + ": URI not percent-encoded: " + uri
            region = pl.get("region")
            if region is not None and region.get("startLine", 0) < 1:
                yield where + ": region.startLine < 1"


def main():
    bad = 0
    for path in sys.argv[1:]:
        for p in problems(path):
            print("%s: %s" % (path, p))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
