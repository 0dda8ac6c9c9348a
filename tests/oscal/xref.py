#!/usr/bin/env python3
"""xref.py - the cross-references of a set of OSCAL documents that NIST's
JSON schemas cannot check (tests/oscal/validate.sh checks the shapes).

usage: xref.py [--upstream SSP.json]... FILE...
       xref.py --self-test

The FILEs are one set, as `cloudward oscal all` writes it: documents refer
to each other by file name ("profile.json", "catalog-iso27002-2022.json#
iso27002-2022_5.1"), so each file is known by its base name. Checked:

  - every "uuid" is unique within its document;
  - component-uuid, party-uuid(s), observation-uuid, subject-uuid,
    risk-uuid, finding-uuid and props named leveraged-authorization-uuid
    name an object of the right kind defined in the same document (a
    component-uuid a component, a risk-uuid a risk, ...);
  - provided-uuid inside `responsibilities` names a `provided` of the same
    document and control; provided-uuid inside `inherited` and
    responsibility-uuid inside `satisfied` name a `provided` or a
    `responsibilities` entry of an --upstream SSP's export, under the same
    control (they point at the provider's SSP);
  - an href "#UUID" names a back-matter resource of the same document; an
    href "FILE.json" or "FILE.json#ID" (import-profile, import-ssp,
    profile imports, control-implementations' source, catalog links) names
    a file of the set and, with "#ID", a control, group or part of it;
  - every control id (control-id members, props named control-id,
    with-ids, finding targets, excluded-control props) is a control of a
    catalog of the set; with-ids of a profile import and the requirements
    of a control-implementation are controls of the catalog it names;
  - inside a catalog every id (groups, controls, parts) is unique;
  - no object gives a key twice (a parser keeps one of them, and the
    schema sees only that one).

Prints one line per problem, "FILE: PATH: what", PATH a JSONPath (RFC 9535,
`cloudward query` reads it), and exits 1; else prints one summary line and
exits 0. Exit 2: bad usage or a file that cannot be read as JSON.
--self-test runs every check against a small set and broken copies of it.
"""
import copy
import json
import os
import re
import sys

MODELS = ("catalog", "profile", "component-definition",
          "system-security-plan", "assessment-results",
          "plan-of-action-and-milestones")

# A reference key and the arrays whose members it may name.
UUID_REFS = {
    "component-uuid": ("components",),
    "party-uuid": ("parties",),
    "party-uuids": ("parties",),
    "observation-uuid": ("observations",),
    "subject-uuid": ("inventory-items", "components", "parties", "users",
                     "locations", "resources"),
    "risk-uuid": ("risks",),
    "finding-uuid": ("findings",),
}
PROP_UUID_REFS = {
    "leveraged-authorization-uuid": ("leveraged-authorizations",),
}
# Props whose value is a control id.
CONTROL_PROPS = ("control-id", "excluded-control")

# What a member of each array is called, in messages.
SINGULAR = {"components": "component", "parties": "party",
            "observations": "observation", "inventory-items": "inventory item",
            "users": "user", "locations": "location", "resources": "resource",
            "risks": "risk", "findings": "finding",
            "leveraged-authorizations": "leveraged authorization",
            "provided": "provided", "responsibilities": "responsibility"}


def names(kinds):
    return " or ".join(SINGULAR.get(k, k) for k in kinds)


SHORTHAND = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def jsonpath(path):
    """The RFC 9535 path of a tuple of keys and indexes."""
    out = ["$"]
    for p in path:
        if isinstance(p, int):
            out.append("[%d]" % p)
        elif SHORTHAND.match(p):
            out.append("." + p)
        else:
            out.append("['%s']" % p.replace("\\", "\\\\").replace("'", "\\'"))
    return "".join(out)


def walk(node, path=()):
    """Every (path, dict) of the tree, parents first."""
    stack = [(path, node)]
    while stack:
        p, n = stack.pop()
        if isinstance(n, dict):
            yield p, n
            for k in reversed(list(n)):
                stack.append((p + (k,), n[k]))
        elif isinstance(n, list):
            for i in range(len(n) - 1, -1, -1):
                stack.append((p + (i,), n[i]))


def kind_of(path):
    """The array (or member) an object sits in: 'components' for
    (..., 'components', 3)."""
    if path and isinstance(path[-1], int):
        return path[-2] if len(path) > 1 else None
    return path[-1] if path else None


def requirement_control(doc, path):
    """The control-id of the implemented requirement `path` lies in."""
    for i in range(len(path) - 1, 0, -1):
        if isinstance(path[i], int) and path[i - 1] == "implemented-requirements":
            node = doc
            for p in path[:i + 1]:
                node = node[p]
            return node.get("control-id") if isinstance(node, dict) else None
    return None


class Doc:
    def __init__(self, name, data):
        self.name = name          # as given on the command line
        self.base = os.path.basename(name)
        self.data = data
        self.model = None
        if isinstance(data, dict) and len(data) == 1:
            k = next(iter(data))
            if k in MODELS and isinstance(data[k], dict):
                self.model = k
        self.uuids = {}           # uuid -> [(kind, path)]
        self.ids = {}             # catalog: id -> (kind, path)
        self.controls = set()     # catalog: control ids


class Xref:
    def __init__(self):
        self.problems = []
        self.checked = 0

    def problem(self, doc, path, what):
        self.problems.append("%s: %s: %s" % (doc.name, jsonpath(path), what))

    # ---- definitions ----------------------------------------------------

    def define(self, doc):
        seen = {}
        for path, obj in walk(doc.data):
            for k in getattr(obj, "dups", ()):
                self.problem(doc, path + (k,), "key %s given twice in one "
                             "object (a parser keeps one of them)" % k)
            u = obj.get("uuid")
            if isinstance(u, str):
                if u in seen:
                    self.problem(doc, path + ("uuid",),
                                 "uuid %s defined twice (first at %s)"
                                 % (u, jsonpath(seen[u])))
                else:
                    seen[u] = path + ("uuid",)
                doc.uuids.setdefault(u, []).append((kind_of(path), path))
            if doc.model == "catalog":
                k = kind_of(path)
                i = obj.get("id")
                if k in ("groups", "controls", "parts") and isinstance(i, str):
                    if i in doc.ids:
                        self.problem(doc, path + ("id",),
                                     "id %s defined twice in the catalog "
                                     "(first at %s)"
                                     % (i, jsonpath(doc.ids[i][1] + ("id",))))
                    else:
                        doc.ids[i] = (k, path)
                    if k == "controls":
                        doc.controls.add(i)

    # ---- references -----------------------------------------------------

    def has_kind(self, doc, uuid, kinds, under=None):
        for kind, path in doc.uuids.get(uuid, ()):
            if kind in kinds and (under is None or under in path):
                return True
        return False

    def need_uuid(self, doc, path, key, value, kinds):
        self.checked += 1
        if not isinstance(value, str):
            self.problem(doc, path, "%s is not a string" % key)
        elif not self.has_kind(doc, value, kinds):
            found = [k for k, _ in doc.uuids.get(value, ())]
            self.problem(doc, path, "%s %s names no %s of this document%s"
                         % (key, value, names(kinds),
                            " (it is the uuid of one of its %s)" % found[0]
                            if found else ""))

    def need_control(self, doc, path, what, value, catalog=None):
        self.checked += 1
        if not isinstance(value, str):
            self.problem(doc, path, "%s is not a string" % what)
        elif not self.all_controls:
            pass  # said once for the set
        elif value not in self.all_controls:
            self.problem(doc, path, "%s %s is a control of no catalog of "
                         "the set" % (what, value))
        elif catalog is not None and value not in catalog.controls:
            self.problem(doc, path, "%s %s is not a control of %s, the "
                         "catalog it is given for" % (what, value,
                                                      catalog.base))

    def need_href(self, doc, path, href):
        """Returns the document a file href names, if any."""
        if not isinstance(href, str):
            self.problem(doc, path, "href is not a string")
            return None
        if href.startswith("#"):
            self.checked += 1
            if not self.has_kind(doc, href[1:], ("resources",),
                                 under="back-matter"):
                self.problem(doc, path, "href %s names no back-matter "
                             "resource of this document" % href)
            return None
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
            return None  # an absolute URI: not part of the set
        file, _, frag = href.partition("#")
        if not file.endswith(".json"):
            return None
        self.checked += 1
        target = self.by_base.get(os.path.basename(file))
        if target is None:
            self.problem(doc, path, "href %s: no file %s in the set"
                         % (href, os.path.basename(file)))
            return None
        if frag and frag not in target.ids and frag not in target.uuids:
            self.problem(doc, path, "href %s: %s defines no %s"
                         % (href, target.base, frag))
        return target

    def upstream_ref(self, doc, path, key, value, kinds):
        self.checked += 1
        if not self.upstream:
            self.problem(doc, path, "%s %s points at a provider's SSP, and "
                         "no --upstream SSP was given" % (key, value))
            return
        want = requirement_control(doc.data, path)
        for up in self.upstream:
            for kind, upath in up.uuids.get(value, ()):
                if kind not in kinds or "export" not in upath:
                    continue
                got = requirement_control(up.data, upath)
                if want is not None and got != want:
                    self.problem(doc, path, "%s %s is the %s of control %s "
                                 "in %s, not of %s" % (key, value, kind, got,
                                                       up.name, want))
                return
        self.problem(doc, path, "%s %s names no %s of the export of %s"
                     % (key, value, names(kinds),
                        ", ".join(u.name for u in self.upstream)))

    def references(self, doc):
        for path, obj in walk(doc.data):
            parent = kind_of(path)
            for key, value in obj.items():
                p = path + (key,)
                if key in UUID_REFS:
                    if isinstance(value, list):
                        for i, v in enumerate(value):
                            self.need_uuid(doc, p + (i,), key, v,
                                           UUID_REFS[key])
                    else:
                        self.need_uuid(doc, p, key, value, UUID_REFS[key])
                elif key == "provided-uuid":
                    if parent == "inherited":
                        self.upstream_ref(doc, p, key, value, ("provided",))
                    else:
                        self.checked += 1
                        same = requirement_control(doc.data, path)
                        ok = [q for k, q in doc.uuids.get(value, ())
                              if k == "provided"]
                        if not ok:
                            self.problem(doc, p, "provided-uuid %s names no "
                                         "provided of this document"
                                         % value)
                        elif requirement_control(doc.data, ok[0]) != same:
                            self.problem(doc, p, "provided-uuid %s is the "
                                         "provided of control %s, not of %s"
                                         % (value, requirement_control(
                                             doc.data, ok[0]), same))
                elif key == "responsibility-uuid":
                    if parent == "satisfied":
                        self.upstream_ref(doc, p, key, value,
                                          ("responsibilities",))
                    else:
                        self.need_uuid(doc, p, key, value,
                                       ("responsibilities",))
                elif key == "href":
                    self.need_href(doc, p, value)
                elif key == "source" and parent == "control-implementations":
                    self.need_href(doc, p, value)
                elif key == "control-id":
                    self.need_control(doc, p, "control-id", value,
                                      self.named_catalog(
                                          doc, path, "control-implementations",
                                          "source"))
                elif key == "with-ids":
                    cat = self.named_catalog(doc, path, "imports", "href")
                    for i, v in enumerate(value if isinstance(value, list)
                                          else [value]):
                        self.need_control(doc, p + (i,), "with-ids", v, cat)
                elif key == "target-id" and parent == "target":
                    self.need_control(doc, p, "target-id", value)
            if parent == "props" and isinstance(obj.get("name"), str):
                name, value = obj["name"], obj.get("value")
                if name in PROP_UUID_REFS:
                    self.need_uuid(doc, path + ("value",), name, value,
                                   PROP_UUID_REFS[name])
                elif name in CONTROL_PROPS:
                    self.need_control(doc, path + ("value",),
                                      "%s prop" % name, value)

    def named_catalog(self, doc, path, array, key):
        """The catalog of the set that the nearest member of `array` above
        `path` names in its `key` (a profile's import and its href, a
        control-implementation and its source), if there is one."""
        for i in range(len(path) - 1, 0, -1):
            if isinstance(path[i], int) and path[i - 1] == array:
                node = doc.data
                for q in path[:i + 1]:
                    node = node[q]
                ref = node.get(key) if isinstance(node, dict) else None
                if isinstance(ref, str):
                    t = self.by_base.get(os.path.basename(ref.split("#")[0]))
                    if t is not None and t.model == "catalog":
                        return t
                return None
        return None

    # ---- the whole set ----------------------------------------------------

    def run(self, docs, upstream):
        self.upstream = upstream
        self.by_base = {}
        for d in docs:
            if d.model is None:
                root = next(iter(d.data)) if isinstance(d.data, dict) and \
                    d.data else type(d.data).__name__
                self.problem(d, (), "not an OSCAL document (root %s)" % root)
            if d.base in self.by_base:
                self.problem(d, (), "a second file named %s in the set "
                             "(also %s)" % (d.base,
                                            self.by_base[d.base].name))
            else:
                self.by_base[d.base] = d
            self.define(d)
        for u in upstream:
            if u.model != "system-security-plan":
                self.problem(u, (), "--upstream: not a system security plan")
            # Its own duplicates are a problem of its own set, checked there.
            Xref().define(u)
        self.all_controls = set()
        for d in docs:
            self.all_controls |= d.controls
        if not any(d.model == "catalog" for d in docs):
            self.problems.append("(set): no catalog in the set: control ids "
                                 "cannot be resolved")
        for d in docs:
            self.references(d)


class Obj(dict):
    """A JSON object that remembers the keys it was given twice (JSON
    parsers keep one of them, silently: the schema sees only that one)."""
    dups = ()


def pairs(items):
    o = Obj(items)
    if len(o) != len(items):
        seen = set()
        o.dups = sorted({k for k, _ in items if k in seen or seen.add(k)})
    return o


def load(name):
    try:
        with open(name, encoding="utf-8") as f:
            return Doc(name, json.load(f, object_pairs_hook=pairs))
    except (OSError, ValueError) as e:
        print("xref.py: %s: %s" % (name, e), file=sys.stderr)
        sys.exit(2)


def check(docs, upstream):
    x = Xref()
    x.run(docs, upstream)
    return x


# ---- self-test ---------------------------------------------------------------

U = "0f1e2d3c-4b5a-5968-8776-%012d"


def sample():
    """A small set whose references all resolve, and its provider's SSP."""
    cat = {"catalog": {
        "uuid": U % 1, "metadata": {"title": "c"},
        "groups": [{"id": "cat-a_g5", "title": "g", "controls": [
            {"id": "cat-a_5.1", "title": "c1",
             "parts": [{"id": "cat-a_5.1_overview", "name": "overview"}],
             "links": [{"href": "catalog-b.json#cat-b_1", "rel": "x"}]},
            {"id": "cat-a_5.2", "title": "c2"}]}]}}
    catb = {"catalog": {"uuid": U % 2, "metadata": {"title": "b"},
                        "controls": [{"id": "cat-b_1", "title": "b1"}]}}
    prof = {"profile": {
        "uuid": U % 3,
        "metadata": {"title": "p", "props": [
            {"name": "excluded-control", "value": "cat-a_5.2"}]},
        "imports": [{"href": "catalog-a.json", "include-all": {},
                     "exclude-controls": [{"with-ids": ["cat-a_5.2"]}]},
                    {"href": "catalog-b.json", "include-all": {}}]}}
    comp = {"component-definition": {
        "uuid": U % 4, "metadata": {"title": "k"},
        "components": [{"uuid": U % 5, "type": "validation", "title": "p",
                        "control-implementations": [{
                            "uuid": U % 6, "source": "catalog-a.json",
                            "implemented-requirements": [
                                {"uuid": U % 7, "control-id": "cat-a_5.1"}]
                        }]}]}}
    ssp = {"system-security-plan": {
        "uuid": U % 10,
        "metadata": {"title": "s", "parties": [{"uuid": U % 11}]},
        "import-profile": {"href": "profile.json"},
        "system-implementation": {
            "leveraged-authorizations": [{"uuid": U % 12,
                                          "party-uuid": U % 11}],
            "components": [
                {"uuid": U % 13, "type": "this-system"},
                {"uuid": U % 14, "type": "service", "props": [
                    {"name": "leveraged-authorization-uuid",
                     "value": U % 12}]}]},
        "control-implementation": {"implemented-requirements": [{
            "uuid": U % 15, "control-id": "cat-a_5.1",
            "props": [{"name": "label", "value": "5.1"}],
            "by-components": [
                {"component-uuid": U % 13, "uuid": U % 16,
                 "export": {
                     "provided": [{"uuid": U % 17}],
                     "responsibilities": [{"uuid": U % 18,
                                           "provided-uuid": U % 17}]}},
                {"component-uuid": U % 14, "uuid": U % 19,
                 "inherited": [{"uuid": U % 20,
                                "provided-uuid": U % 97}],
                 "satisfied": [{"uuid": U % 21,
                                "responsibility-uuid": U % 98}]}]}]},
        "back-matter": {"resources": [{"uuid": U % 22}]}}}
    ar = {"assessment-results": {
        "uuid": U % 30, "metadata": {"title": "a"},
        "import-ap": {"href": "#" + U % 31},
        "results": [{
            "uuid": U % 32,
            "local-definitions": {"inventory-items": [{"uuid": U % 33}]},
            "reviewed-controls": {"control-selections": [
                {"include-controls": [{"control-id": "cat-a_5.1"}]}]},
            "observations": [{"uuid": U % 34, "subjects": [
                {"subject-uuid": U % 33, "type": "inventory-item"}]}],
            "findings": [{"uuid": U % 35, "target": {
                "type": "objective-id", "target-id": "cat-a_5.1",
                "status": {"state": "satisfied"}},
                "related-observations": [{"observation-uuid": U % 34}]}]}],
        "back-matter": {"resources": [{"uuid": U % 31}]}}}
    poam = {"plan-of-action-and-milestones": {
        "uuid": U % 40, "metadata": {"title": "m"},
        "import-ssp": {"href": "ssp.json"},
        "risks": [{"uuid": U % 41, "deadline": "2027-01-01T00:00:00Z"}],
        "poam-items": [{"uuid": U % 42, "props": [
            {"name": "control-id", "value": "cat-a_5.1"}],
            "related-risks": [{"risk-uuid": U % 41}]}]}}
    upstream = {"system-security-plan": {
        "uuid": U % 90, "metadata": {"title": "u"},
        "control-implementation": {"implemented-requirements": [
            {"uuid": U % 91, "control-id": "cat-a_5.1", "by-components": [
                {"component-uuid": U % 92, "uuid": U % 93, "export": {
                    "provided": [{"uuid": U % 97}],
                    "responsibilities": [{"uuid": U % 98}]}}]},
            {"uuid": U % 94, "control-id": "cat-a_5.2", "by-components": [
                {"component-uuid": U % 92, "uuid": U % 95, "export": {
                    "provided": [{"uuid": U % 99}]}}]}]},
        "system-implementation": {"components": [{"uuid": U % 92}]}}}
    return {"catalog-a.json": cat, "catalog-b.json": catb,
            "profile.json": prof, "component-definition.json": comp,
            "ssp.json": ssp, "assessment-results.json": ar,
            "poam.json": poam}, {"up/ssp.json": upstream}


def at(tree, *path):
    for p in path:
        tree = tree[p]
    return tree


def self_test():
    SSP = ("ssp.json", "system-security-plan")
    IR = SSP + ("control-implementation", "implemented-requirements", 0)
    AR = ("assessment-results.json", "assessment-results", "results", 0)

    def setv(path, key, value):
        def f(files, up):
            at(files if path[0] in files else up, *path)[key] = value
        return f

    def append(path, value):
        return lambda files, up: at(files, *path).append(value)

    cases = [
        ("uuid twice", append(SSP + ("back-matter", "resources"),
                              {"uuid": U % 12}), "defined twice"),
        ("component-uuid", setv(IR + ("by-components", 0), "component-uuid",
                                U % 77), "component-uuid"),
        ("component-uuid of a party",
         setv(IR + ("by-components", 0), "component-uuid", U % 11),
         "one of its parties"),
        ("party-uuid", setv(SSP + ("system-implementation",
                                   "leveraged-authorizations", 0),
                            "party-uuid", U % 77), "party-uuid"),
        ("leveraged-authorization-uuid prop",
         setv(SSP + ("system-implementation", "components", 1, "props", 0),
              "value", U % 77), "leveraged-authorization-uuid"),
        ("subject-uuid", setv(AR + ("observations", 0, "subjects", 0),
                              "subject-uuid", U % 77), "subject-uuid"),
        ("observation-uuid",
         setv(AR + ("findings", 0, "related-observations", 0),
              "observation-uuid", U % 77), "observation-uuid"),
        ("risk-uuid", setv(("poam.json", "plan-of-action-and-milestones",
                            "poam-items", 0, "related-risks", 0),
                           "risk-uuid", U % 77), "risk-uuid"),
        ("finding-uuid", setv(("poam.json", "plan-of-action-and-milestones",
                               "poam-items", 0), "related-findings",
                              [{"finding-uuid": U % 35}]), "finding-uuid"),
        ("provided-uuid of responsibilities",
         setv(IR + ("by-components", 0, "export", "responsibilities", 0),
              "provided-uuid", U % 77), "names no provided"),
        ("provided-uuid of inherited",
         setv(IR + ("by-components", 1, "inherited", 0), "provided-uuid",
              U % 77), "names no provided"),
        ("provided-uuid of another control upstream",
         setv(IR + ("by-components", 1, "inherited", 0), "provided-uuid",
              U % 99), "not of cat-a_5.1"),
        ("inherited names a local provided",
         setv(IR + ("by-components", 1, "inherited", 0), "provided-uuid",
              U % 17), "names no provided"),
        ("responsibility-uuid of satisfied",
         setv(IR + ("by-components", 1, "satisfied", 0),
              "responsibility-uuid", U % 77), "names no responsibility"),
        ("href #uuid", setv(("assessment-results.json", "assessment-results",
                             "import-ap"), "href", "#" + U % 32),
         "back-matter"),
        ("href file", setv(SSP + ("import-profile",), "href", "prof.json"),
         "no file prof.json in the set"),
        ("import-ssp", setv(("poam.json", "plan-of-action-and-milestones",
                             "import-ssp"), "href", "ssp2.json"),
         "no file ssp2.json in the set"),
        ("href #id", setv(("catalog-a.json", "catalog", "groups", 0,
                           "controls", 0, "links", 0), "href",
                          "catalog-b.json#cat-b_9"), "defines no cat-b_9"),
        ("source", setv(("component-definition.json", "component-definition",
                         "components", 0, "control-implementations", 0),
                        "source", "catalog-c.json"),
         "no file catalog-c.json in the set"),
        ("control-id", setv(IR, "control-id", "cat-a_9.9"),
         "control of no catalog"),
        ("include-controls", setv(AR + ("reviewed-controls",
                                        "control-selections", 0,
                                        "include-controls", 0),
                                  "control-id", "cat-a_9.9"),
         "control of no catalog"),
        ("control-id prop", setv(("poam.json", "plan-of-action-and-milestones",
                                  "poam-items", 0, "props", 0), "value",
                                 "cat-a_9.9"), "control-id prop"),
        ("a group is no control", setv(IR, "control-id", "cat-a_g5"),
         "control of no catalog"),
        ("with-ids", setv(("profile.json", "profile", "imports", 0,
                           "exclude-controls", 0), "with-ids", ["cat-a_9"]),
         "with-ids"),
        ("with-ids of the other catalog",
         setv(("profile.json", "profile", "imports", 0, "exclude-controls",
               0), "with-ids", ["cat-b_1"]), "not a control of catalog-a"),
        ("component of the other catalog",
         setv(("component-definition.json", "component-definition",
               "components", 0, "control-implementations", 0,
               "implemented-requirements", 0), "control-id", "cat-b_1"),
         "not a control of catalog-a"),
        ("target-id", setv(AR + ("findings", 0, "target"), "target-id",
                           "cat-a_9.9"), "target-id"),
        ("excluded-control", setv(("profile.json", "profile", "metadata",
                                   "props", 0), "value", "cat-a_9.9"),
         "excluded-control prop"),
        ("catalog id twice",
         append(("catalog-a.json", "catalog", "groups", 0, "controls"),
                {"id": "cat-a_5.1_overview", "title": "x"}),
         "defined twice in the catalog"),
        ("not OSCAL", lambda files, up: files.__setitem__(
            "poam.json", {"poam": {}}), "not an OSCAL document"),
    ]
    failures = 0
    files, up = sample()
    x = check([Doc(k, v) for k, v in files.items()],
              [Doc(k, v) for k, v in up.items()])
    if x.problems or x.checked < 20:
        print("self-test: the sound set: %d checked, %s"
              % (x.checked, x.problems))
        failures += 1
    x = check([Doc(k, v) for k, v in files.items()], [])
    if not any("no --upstream" in p for p in x.problems):
        print("self-test: inherited without --upstream passed")
        failures += 1
    files, up = sample()
    files["profile.json"] = json.loads(
        json.dumps(files["profile.json"]).replace(
            '"uuid": ', '"uuid": "%s", "uuid": ' % (U % 3), 1),
        object_pairs_hook=pairs)
    x = check([Doc(k, v) for k, v in files.items()],
              [Doc(k, v) for k, v in up.items()])
    if not any("key uuid given twice" in p for p in x.problems):
        print("self-test: a key given twice passed (%s)" % x.problems)
        failures += 1
    for name, mutate, want in cases:
        files, up = sample()
        files, up = copy.deepcopy(files), copy.deepcopy(up)
        mutate(files, up)
        x = check([Doc(k, v) for k, v in files.items()],
                  [Doc(k, v) for k, v in up.items()])
        if not any(want in p for p in x.problems):
            print("self-test: %s: no problem saying '%s' (got %s)"
                  % (name, want, x.problems))
            failures += 1
    if failures:
        print("self-test: %d of %d cases failed" % (failures, len(cases) + 3))
        return 1
    print("self-test: %d cases passed" % (len(cases) + 3))
    return 0


def main(argv):
    upstream, files = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--self-test" and len(argv) == 1:
            return self_test()
        if a == "--upstream" and i + 1 < len(argv):
            upstream.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--upstream="):
            upstream.append(a.split("=", 1)[1])
        elif a.startswith("-") and a != "-":
            files = []
            break
        else:
            files.append(a)
        i += 1
    if not files:
        print("usage: xref.py [--upstream SSP.json]... FILE...\n"
              "       xref.py --self-test", file=sys.stderr)
        return 2
    docs = [load(f) for f in files]
    ups = [load(f) for f in upstream]
    x = check(docs, ups)
    for p in x.problems:
        print(p)
    if x.problems:
        print("xref.py: %d problem%s in %d documents"
              % (len(x.problems), "" if len(x.problems) == 1 else "s",
                 len(docs)), file=sys.stderr)
        return 1
    print("xref.py: %d documents (%d catalogs, %d controls), %d references "
          "checked, all resolve"
          % (len(docs), sum(d.model == "catalog" for d in docs),
             len(x.all_controls), x.checked))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
