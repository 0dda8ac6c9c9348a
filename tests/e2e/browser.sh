#!/usr/bin/env bash
# browser.sh - the pages of `cloudward serve` in a real browser: Debian's
# chromium, headless, driven by puppeteer-core, with axe-core checking
# accessibility (tests/browser/portal.test.mjs walks the flows; this
# script builds the store, starts the server and hands it the URL and the
# credentials in environment variables). A customer signs in through the
# form, meets the NDA before a gated SoA, downloads the copy made for
# them, reads their log and never another tenant's; the admin signs in
# with a TOTP code and publishes a new version through the upload form;
# the customer's notices show it. Every page each role sees passes axe
# (no serious or critical violation), has the Content-Security-Policy,
# and logs no console error; screenshots go to $CLOUDWARD_ARTEFACTS
# (default: browser-artefacts in the build folder). Without chromium
# or tests/browser/node_modules the test fails: run scripts/setup.sh.
ORIG=$PWD
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CLOUDWARD_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { fail "no $CHROMIUM: run scripts/setup.sh (it installs Debian's chromium)"; finish; }
command -v node >/dev/null || { fail "no node: run scripts/setup.sh"; finish; }
for m in puppeteer-core axe-core; do
  [ -f "$SRC/tests/browser/node_modules/$m/package.json" ] ||
    { fail "no tests/browser/node_modules/$m: run scripts/setup.sh (npm ci --prefix tests/browser)"; finish; }
done
command -v unzip >/dev/null || { fail "no unzip: run scripts/setup.sh"; finish; }

engine_store "$WORK/st"
expect_exit 0 "$CW" tenant add globex --name "Globex Corp" --store "$S"
expect_exit 0 "$CW" tenant add initech --name "Initech" --store "$S"
# The example's registers, for the /registers page (an overdue breach
# notification owed to Globex, shown in red).
expect_exit 0 "$CW" registers import "$SRC/examples/acme-notes/registers" --store "$S"
echo 'admin-password-long' | "$CW" admin user add ada --role admin --store "$S" >otp 2>/dev/null ||
  fail "admin user"
SECRET=$(sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' otp)
[ -n "$SECRET" ] || { fail "no otpauth URI: $(cat otp)"; finish; }
for u in g1:globex i1:initech; do
  echo "${u%%:*}-password-long" |
    "$CW" admin user add "${u%%:*}" --role customer --tenant "${u#*:}" --store "$S" >/dev/null 2>&1 ||
    fail "user $u"
done
TOKEN=$("$CW" token create --name browser-setup --role admin --store "$S" 2>/dev/null) ||
  fail "token create"
serve_start "$S" --threads 2 --scope "$SRC/examples/acme-notes/cloudward.yaml"

api() { # URL [curl args]: with the admin's token; wants 201
  get "$1" -H "Authorization: Bearer $TOKEN" "${@:2}"
  [ "$(cat code)" = 201 ] || fail "POST $1: $(cat code) $(cat body)"
}
api /api/v1/agreements -H "Content-Type: application/json" \
  --data '{"id":"nda","title":"Mutual NDA","text":"Version one of the terms: keep what you read here confidential."}'
echo "Security policy, version one" >policy.txt
echo "Initech's own plan" >initech.txt
api "/api/v1/documents?id=soa&title=Statement+of+Applicability&type=soa&class=gated&agreement=nda&name=soa.xlsx&generated=yes" \
  -X POST -H "Content-Type: application/octet-stream" --data-binary ''
api "/api/v1/documents?id=policy&title=Security+policy&type=policy&class=public&name=policy.txt" \
  -H "Content-Type: application/octet-stream" --data-binary @policy.txt
api "/api/v1/documents?id=initech-plan&title=INITECH-SECRET+plan&type=policy&class=tenant&tenant=initech&name=initech.txt" \
  -H "Content-Type: application/octet-stream" --data-binary @initech.txt

if [ "$failures" -eq 0 ]; then
  export CLOUDWARD_URL=$U CLOUDWARD_CHROMIUM=$CHROMIUM CLOUDWARD_TMP=$WORK
  # Screenshots: in the build folder (where cloudward was built, beside
  # its CMakeCache.txt; CTest itself runs this in build/tests), else
  # where this was started.
  art=$ORIG
  [ -f "$(dirname "$CW")/CMakeCache.txt" ] && art=$(dirname "$CW")
  export CLOUDWARD_ARTEFACTS=${CLOUDWARD_ARTEFACTS:-$art/browser-artefacts}
  export CW_G1_LOGIN=g1 CW_G1_PASSWORD=g1-password-long
  export CW_I1_LOGIN=i1 CW_I1_PASSWORD=i1-password-long
  export CW_ADMIN_LOGIN=ada CW_ADMIN_PASSWORD=admin-password-long CW_ADMIN_TOTP=$SECRET
  node "$SRC/tests/browser/portal.test.mjs" || fail "the browser flows (above)"
fi

# What the server wrote stays free of passwords and session ids.
grep -q "password-long\|cws_" server.log && fail "a password or session id reached the server's log"
kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
pid=""
finish
