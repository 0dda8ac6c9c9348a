#!/usr/bin/env python3
"""schema_check.py SCHEMA FILE... - JSON files against a schema of
docs/schemas (draft-07, references between its files resolved locally).

Prints one line per problem and exits 1 when there is any.
"""
import json
import os
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
try:
    import jsonschema
except ImportError:
    sys.exit("schema_check.py: python3-jsonschema is missing (scripts/setup.sh installs it)")


def main():
    schema_path = sys.argv[1]
    folder = os.path.dirname(os.path.abspath(schema_path))
    store = {}
    for name in os.listdir(folder):
        if name.endswith(".schema.json"):
            doc = json.load(open(os.path.join(folder, name), encoding="utf-8"))
            store[doc["$id"]] = doc
    schema = json.load(open(schema_path, encoding="utf-8"))
    resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
    v = jsonschema.Draft7Validator(schema, resolver=resolver)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path, encoding="utf-8"))
        for e in sorted(v.iter_errors(doc), key=lambda e: list(e.path))[:20]:
            print("%s: %s at %s" % (path, e.message[:200], "/".join(map(str, e.path))))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
