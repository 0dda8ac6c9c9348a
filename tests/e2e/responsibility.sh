#!/usr/bin/env bash
# responsibility.sh - reliance through a chain of providers, end to end with
# real files: an IaaS publishes its matrix, a SaaS on it reads that matrix
# and publishes its own, a customer of the SaaS reads that one. A lapsing
# certificate at the top of the chain reaches the customer's SoA at the
# bottom ("chain-unverified") though its own provider's certificate is
# valid. Also: `soa` exits 1 on unverified reliance or contradictions and
# says how many lines on stderr; contradictions from real scan results and
# stale evidence; the header lines in every format.
. "$(dirname "$0")/lib.sh"

# jq over a report: j FILE FILTER
j() { jq -r "$2" "$1"; }
# A line of a JSON report: line FILE CATALOG ID
line() {
  jq -c --arg c "$2" --arg i "$3" '.controls[] | select(.catalog == $c and .id == $i)' "$1"
}

# Decisions marking every control of a JSON SoA implemented; a control that
# relies on providers by default keeps relying on them (a decision replaces
# the default reliance), for the part the rules name. Controls given as
# arguments are left out (they are decided by hand).
implemented_all() { # SOA.json [CATALOG ID]...
  local soa=$1
  shift
  local skip
  skip=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
  jq -r --argjson skip "$skip" '
    "decisions:",
    (.controls[] | select((.catalog + " " + .id) as $k | $skip | index($k) | not) |
     "  - control: \"\(.catalog) \(.id)\"\n    applicable: true\n    status: implemented" +
     (if .relies_on then
        "\n    relies_on:" +
        ([.relies_on[].provider] | unique | map("\n      - provider: " + .) | join(""))
      else "" end))' "$soa"
}

cert() { # NUMBER VALID_UNTIL MODEL INDENT
  sed "s/^/$4/" <<END
- kind: certificate
  standard: ISO/IEC 27001
  edition: "2022"
  covers: [iso27017:2015]
  body: Example Certification Ltd
  number: $1
  scope: The $3 service
  service_models: [$3]
  issued: 2024-02-01
  valid_until: $2
END
}

# ---- the chain: Stratus Cloud (IaaS) -> Quill Notes (SaaS) -> Globex ------

mkdir -p iaas/decisions saas/decisions saas/providers customer/providers
{
  cat <<'END'
organisation: Stratus Cloud
role: provider
service_models: [iaas]
pii_processor: false
scope_statement: Compute, storage and network in one region.
assurance:
END
  cert SC-2024-0009 2027-01-31 iaas "  "
} >iaas/cloudward.yaml
"$CW" soa --scope iaas/cloudward.yaml --as-of 2026-11-22 --format json \
  -o iaas-default.json >/dev/null || fail "IaaS default SoA"
cat >iaas/decisions/a.yaml <<'END'
decisions:
  - control: "7.1"
    applicable: true
    status: implemented
    owner: data-centre-operations
    evidence: ["perimeter design v3"]
  - control: "CLD.9.5.1"
    applicable: true
    status: implemented
    owner: hypervisor-team
END
implemented_all iaas-default.json "iso27002:2022 7.1" "iso27017:2015 CLD.9.5.1" \
  >iaas/decisions/rest.yaml
expect_exit 0 "$CW" matrix --scope iaas/cloudward.yaml --as-of 2026-11-22 \
  --format json -o saas/providers/stratus.json
j saas/providers/stratus.json '.summary.decided' | grep -qx 100 ||
  fail "IaaS decided: $(j saas/providers/stratus.json .summary)"
line saas/providers/stratus.json iso27002:2022 7.1 |
  jq -e '.responsibility == "provider" and .status == "implemented" and .relies_on == null' \
    >/dev/null || fail "IaaS 7.1 row: $(line saas/providers/stratus.json iso27002:2022 7.1)"
# The IaaS relies on nobody.
j saas/providers/stratus.json '.summary.reliance.none' | grep -qx 100 ||
  fail "IaaS relies on someone: $(j saas/providers/stratus.json .summary)"

{
  cat <<'END'
organisation: Quill Notes
role: provider
service_models: [saas]
pii_processor: false
assurance:
END
  cert QN-2026-0117 2029-03-31 saas "  "
  cat <<'END'
providers:
  - name: Stratus Cloud
    service_model: iaas
    matrix: providers/stratus.json
    assurance:
END
  cert SC-2024-0009 2027-01-31 iaas "      "
} >saas/cloudward.yaml
"$CW" soa --scope saas/cloudward.yaml --as-of 2026-11-22 --format json \
  -o saas-default.json >/dev/null || fail "SaaS default SoA"
# By default the SaaS relies on the IaaS for the data centre and isolation.
line saas-default.json iso27002:2022 7.1 |
  jq -e '.reliance == "expiring" and .relies_on[0].provider == "Stratus Cloud" and
    .relies_on[0].part == "data-centre physical security" and .status == "not-started"' \
    >/dev/null || fail "SaaS default 7.1: $(line saas-default.json iso27002:2022 7.1)"
cat >saas/decisions/a.yaml <<'END'
decisions:
  - control: "5.1"
    applicable: true
    status: implemented
    owner: ciso
  - control: "7.3"
    applicable: true
    status: implemented
    relies_on:
      - provider: Stratus Cloud
        part: data-centre physical security
END
implemented_all saas-default.json "iso27002:2022 5.1" "iso27002:2022 7.3" \
  >saas/decisions/rest.yaml
expect_exit 0 "$CW" matrix --scope saas/cloudward.yaml --as-of 2026-11-22 \
  --format json -o customer/providers/quill.json
M=customer/providers/quill.json
line $M iso27002:2022 7.1 |
  jq -e '.responsibility == "provider" and .status == "implemented" and
    (.relies_on | map(select(.provider == "Stratus Cloud" and .state == "expiring")) | length) == 1' \
    >/dev/null || fail "SaaS 7.1 row at 2026-11-22: $(line $M iso27002:2022 7.1)"
line $M iso27002:2022 5.1 | jq -e '.responsibility == "each" and .relies_on == null' \
  >/dev/null || fail "SaaS 5.1 row: $(line $M iso27002:2022 5.1)"

cat >customer/cloudward.yaml <<END
organisation: Globex Corporation
role: customer
service_models: [saas]
pii_processor: false
providers:
  - name: Quill Notes
    service_model: saas
    matrix: providers/quill.json
    assurance:
$(cert QN-2026-0117 2029-03-31 saas "      ")
END
# 2026-12-01: every link of the chain holds (Stratus's ends within 90 days).
expect_exit 0 "$CW" soa --scope customer/cloudward.yaml --as-of 2026-12-01 \
  --format json -o cust-dec.json
line cust-dec.json iso27002:2022 7.1 | jq -e '.reliance == "expiring"' >/dev/null ||
  fail "customer 7.1 at 2026-12-01: $(line cust-dec.json iso27002:2022 7.1)"
j cust-dec.json '.summary.reliance.unverified' | grep -qx 0 ||
  fail "customer unverified at 2026-12-01: $(j cust-dec.json .summary)"
[ "$(j cust-dec.json '.summary.reliance.verified + .summary.reliance.expiring')" -gt 0 ] ||
  fail "customer relies on nothing: $(j cust-dec.json .summary)"
line cust-dec.json iso27002:2022 5.1 | jq -e '.reliance == "none"' >/dev/null ||
  fail "customer relies on Quill for 5.1"

# 2027-03-01: only Stratus's certificate has lapsed, two levels up.
expect_exit 1 "$CW" soa --scope customer/cloudward.yaml --as-of 2027-03-01 \
  --format json -o cust-mar.json
L=$(line cust-mar.json iso27002:2022 7.1)
echo "$L" | jq -e '.reliance == "chain-unverified"' >/dev/null ||
  fail "customer 7.1 at 2027-03-01: $(echo "$L" | jq -c '{reliance, reliance_reason}')"
echo "$L" | jq -r '.reliance_reason' | grep -q "Stratus Cloud" ||
  fail "the reason does not name the IaaS: $(echo "$L" | jq -r .reliance_reason)"
echo "$L" | jq -e '.relies_on[0].provider == "Quill Notes" and .relies_on[0].state == "chain-unverified"' \
  >/dev/null || fail "customer 7.1 relies_on: $(echo "$L" | jq -c .relies_on)"
unverified=$(j cust-mar.json '.summary.reliance.unverified')
[ "$unverified" -gt 0 ] || fail "summary.reliance.unverified: $(j cust-mar.json .summary)"
grep -q "^cloudward: $unverified lines* rel.* on a provider without verified assurance" err ||
  fail "stderr does not count $unverified lines: $(cat err)"
# What Quill carries without Stratus stays verified (its application
# security requirements).
line cust-mar.json iso27002:2022 8.26 | jq -e '.reliance == "valid"' >/dev/null ||
  fail "customer 8.26 at 2027-03-01: $(line cust-mar.json iso27002:2022 8.26 | jq -c '{reliance, reliance_reason}')"

# Quill's matrix rewritten on 2027-03-01 says so itself.
expect_exit 1 "$CW" matrix --scope saas/cloudward.yaml --as-of 2027-03-01 \
  --format json -o quill-mar.json
line quill-mar.json iso27002:2022 7.1 |
  jq -e '.relies_on | map(select(.provider == "Stratus Cloud")) | .[0].state == "lapsed"' \
    >/dev/null || fail "SaaS 7.1 row at 2027-03-01: $(line quill-mar.json iso27002:2022 7.1 | jq -c .relies_on)"
line quill-mar.json iso27002:2022 7.1 | jq -r '.relies_on[0].reason' | grep -q 2027-01-31 ||
  fail "the lapsed link does not say when: $(line quill-mar.json iso27002:2022 7.1 | jq -c .relies_on)"
# ... and a customer reading that matrix sees the state its provider reports.
cp quill-mar.json customer/providers/quill.json
expect_exit 1 "$CW" soa --scope customer/cloudward.yaml --as-of 2027-03-01 \
  --format json -o cust-mar2.json
line cust-mar2.json iso27002:2022 7.1 |
  jq -e '.reliance == "chain-unverified" and (.reliance_reason | test("Stratus Cloud"))' \
    >/dev/null || fail "customer 7.1 on the rewritten matrix: $(line cust-mar2.json iso27002:2022 7.1 | jq -c '{reliance, reliance_reason}')"

# ---- every format carries the header --------------------------------------

for fmt in csv md html; do
  expect_exit 1 "$CW" soa --scope customer/cloudward.yaml --as-of 2027-03-01 \
    --format $fmt -o cust.$fmt
  for want in "Organisation: Globex Corporation" "Implementation:" "Reliance on providers:"; do
    grep -q "$want" cust.$fmt || fail "$fmt SoA has no '$want'"
  done
  grep -q "Reliance on providers: [0-9]* none, [0-9]* verified, [0-9]* expiring, $unverified unverified" \
    cust.$fmt || fail "$fmt SoA header counts: $(grep -o 'Reliance on providers:[^<"]*' cust.$fmt)"
done
jq -e '.organisation == "Globex Corporation" and
  (.summary | .total == 100 and
    (.status | add) == .total and
    (.reliance | .none + .verified + .expiring + .unverified) == .total and
    .applicable + .excluded == .total)' cust-mar.json >/dev/null ||
  fail "JSON summary: $(j cust-mar.json .summary)"
# The summary agrees with the lines.
[ "$(jq '[.controls[] | select(.reliance != "none" and .reliance != "valid" and .reliance != "expiring")] | length' cust-mar.json)" = "$unverified" ] ||
  fail "lines with unverified reliance != summary.reliance.unverified"

# ---- contradictions from real results -------------------------------------

mkdir -p host/decisions root/etc/ssh root/var/lib/dpkg
cat >host/cloudward.yaml <<'END'
organisation: Host Co
role: provider
service_models: [iaas]
pii_processor: false
END
cat >root/etc/os-release <<'END'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
END
cat >root/var/lib/dpkg/status <<'END'
Package: openssh-server
Status: install ok installed
Version: 1:9.2p1-2
END
printf 'PermitRootLogin yes\n' >root/etc/ssh/sshd_config
expect_exit 1 "$CW" scan host --root root --pack debian-12 --store store \
  --format json -o scan.json
jq -e '.results[] | select(.id == "ssh-permit-root-login") | .verdict == "fail"' scan.json \
  >/dev/null || fail "ssh-permit-root-login did not fail: $(jq -c '.results[] | select(.id == "ssh-permit-root-login")' scan.json)"
# Not yet claimed implemented: the failure is no contradiction.
expect_exit 0 "$CW" soa --scope host/cloudward.yaml --store store --as-of 2026-12-01 \
  --format json -o host0.json
line host0.json iso27002:2022 8.2 | jq -e '.flags == null and (.checks | test("ssh-permit-root-login"))' \
  >/dev/null || fail "8.2 before the decision: $(line host0.json iso27002:2022 8.2 | jq -c '{checks, flags}')"
cat >host/decisions/a.yaml <<'END'
decisions:
  - control: "8.2"
    applicable: true
    status: implemented
    owner: platform
END
expect_exit 1 "$CW" soa --scope host/cloudward.yaml --store store --as-of 2026-12-01 \
  --format json -o host1.json
line host1.json iso27002:2022 8.2 | jq -e '.flags | test("implemented") and test("fail")' \
  >/dev/null || fail "8.2 implemented but failing is not flagged: $(line host1.json iso27002:2022 8.2 | jq -c '{status, checks, flags}')"
j host1.json '.summary.flagged' | grep -qx 1 || fail "flagged: $(j host1.json .summary)"
grep -q "^cloudward: 1 line is flagged" err || fail "stderr: $(cat err)"

# Evidence that has expired on the SoA's date.
echo "access review, spring" >review.txt
expect_exit 0 "$CW" evidence add review.txt --scope host/cloudward.yaml --store store \
  --control 5.18 --effective 2026-01-01 --expires 2026-06-30
expect_exit 1 "$CW" soa --scope host/cloudward.yaml --store store --as-of 2026-12-01 \
  --format json -o host2.json
line host2.json iso27002:2022 5.18 | jq -e '.flags | test("expired")' >/dev/null ||
  fail "5.18 with expired evidence is not flagged: $(line host2.json iso27002:2022 5.18 | jq -c '{evidence, flags}')"
j host2.json '.summary.flagged' | grep -qx 2 || fail "flagged: $(j host2.json .summary)"
grep -q "^cloudward: 2 lines are flagged" err || fail "stderr: $(cat err)"
# Before it expired, nothing about it is flagged.
expect_exit 1 "$CW" soa --scope host/cloudward.yaml --store store --as-of 2026-03-01 \
  --format json -o host3.json
line host3.json iso27002:2022 5.18 | jq -e '.flags == null' >/dev/null ||
  fail "5.18 flagged before its evidence expired: $(line host3.json iso27002:2022 5.18 | jq -c .flags)"
finish
