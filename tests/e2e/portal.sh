#!/usr/bin/env bash
# portal.sh - the trust portal through `cloudward serve`, as its users
# meet it: sign-in with a TOTP second factor for the provider, sessions
# (cookie attributes, no fixation, sign-out), the form token and Origin on
# a session's writes, the Artifact flow (a customer reads the NDA,
# accepts it, gets a single-use link bound to them, downloads the exact
# bytes once; a new NDA version asks again), another tenant's documents
# answered as missing ones, notices on a new version, the ledger's
# record of each step in the right tenant's view, brute force (account
# lockout, then the address throttled), malformed and oversized requests.
# With CW_ENGINE=pg, the store on a private PostgreSQL.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "portal.sh needs curl" >&2; exit 1; }
engine_store $WORK/st

expect_exit 0 "$CW" tenant add globex --name "Globex" --store "$S"
expect_exit 0 "$CW" tenant add initech --name "Initech" --store "$S"
echo 'admin-password-long' | "$CW" admin user add ada --role admin --store "$S" >otp 2>/dev/null ||
  fail "admin user"
SECRET=$(sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' otp)
[ -n "$SECRET" ] || fail "no otpauth URI: $(cat otp)"
for u in g1:globex i1:initech; do
  echo "${u%%:*}-password-long" |
    "$CW" admin user add "${u%%:*}" --role customer --tenant "${u#*:}" --store "$S" >/dev/null 2>&1 ||
    fail "user $u"
done
# On PostgreSQL the server runs as the least-privileged role that
# docs/scaling.md describes (no owner, no BYPASSRLS, no UPDATE on the
# ledger): everything below must work with those grants alone.
if [ -n "${PG_APP:-}" ]; then
  pg_grant_app
  serve_start "$PG_APP" --threads 2
else
  serve_start "$S" --threads 2
fi

# signin LOGIN PASSWORD [CODE] [curl args]: the cookie jar in jar.LOGIN,
# the form token in csrf.LOGIN.
signin() {
  local login=$1 pw=$2 code=${3:-}
  shift 3 || shift $#
  get /api/v1/session -c "jar.$login" -H "Content-Type: application/json" \
    --data "{\"login\":\"$login\",\"password\":\"$pw\"${code:+,\"code\":\"$code\"}}" "$@"
  if [ "$(cat code)" = 201 ]; then jq -r .csrf body >"csrf.$login"; fi
}
as() { # LOGIN URL [curl args]: a request in LOGIN's session, with its form token
  local login=$1 url=$2
  shift 2
  get "$url" -b "jar.$login" -H "X-CSRF-Token: $(cat "csrf.$login")" "$@"
}

# The provider's sign-in needs the second factor.
signin ada admin-password-long ""
[ "$(cat code)" = 401 ] || fail "admin without a code: $(cat code)"
signin ada admin-password-long "$(totp "$SECRET")"
[ "$(cat code)" = 201 ] || fail "admin sign-in: $(cat code) $(cat body)"
jq -e '.role == "admin" and .tenant == null and (.csrf | length) == 43' body >/dev/null ||
  fail "who: $(cat body)"
grep -i '^set-cookie: cw_session=cws_' hdr | grep -q 'HttpOnly; Secure; SameSite=Strict; Max-Age=28800' ||
  fail "cookie attributes: $(grep -i set-cookie hdr)"
grep -qi '^cache-control: no-store' hdr || fail "sign-in answer cacheable"

# Writes in a session need the form token, and a foreign Origin is refused.
AG='{"id":"nda","title":"Mutual NDA","text":"Version one of the terms."}'
get /api/v1/agreements -b jar.ada -H "Content-Type: application/json" --data "$AG"
[ "$(cat code)" = 403 ] || fail "no form token: $(cat code)"
get /api/v1/agreements -b jar.ada -H "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  -H "Content-Type: application/json" --data "$AG"
[ "$(cat code)" = 403 ] || fail "a wrong form token: $(cat code)"
as ada /api/v1/agreements -H "Origin: http://evil.example" -H "Content-Type: application/json" --data "$AG"
[ "$(cat code)" = 403 ] || fail "a foreign Origin: $(cat code)"
as ada /api/v1/agreements -H "Origin: $U" -H "Content-Type: application/json" --data "$AG"
[ "$(cat code)" = 201 ] && jq -e '.version == 1' body >/dev/null || fail "agreement: $(cat code) $(cat body)"
# A form (the pages without JavaScript) carries the token as a field.
get /api/v1/agreements -b jar.ada -H "Content-Type: application/x-www-form-urlencoded" \
  --data "id=dpa&title=Data+processing&text=Terms+%26+more&csrf=$(cat csrf.ada)"
[ "$(cat code)" = 201 ] || fail "a form: $(cat code) $(cat body)"

# Documents: public, gated by the NDA, and one of each tenant's.
printf 'SOC 2 Type II report\n%s\n' "$(head -c 3000 /dev/urandom | base64 -w0)" >soc2.pdf
echo "Security policy v1" >policy.txt
echo "Globex's own plan" >globex.txt
echo "Initech's own plan" >initech.txt
up() { # ID QUERY FILE
  as ada "/api/v1/documents?id=$1&$2&name=$(basename "$3")" --data-binary "@$3" \
    -H "Content-Type: application/octet-stream"
  [ "$(cat code)" = 201 ] || fail "upload $1: $(cat code) $(cat body)"
}
up policy "title=Security+policy&type=policy&class=public" policy.txt
up soc2 "title=SOC+2+report&type=audit-report&class=gated&agreement=nda" soc2.pdf
up globex-plan "title=Plan&type=policy&class=tenant&tenant=globex" globex.txt
up initech-plan "title=Plan&type=policy&class=tenant&tenant=initech" initech.txt
as ada "/api/v1/documents?id=policy&title=x&type=policy&class=gated&agreement=nda&name=p.txt" \
  --data-binary @policy.txt
[ "$(cat code)" = 400 ] || fail "a new version changing the class: $(cat code)"
as ada "/api/v1/documents?id=bad&title=x&type=policy&class=public&name=../../etc/passwd" \
  --data-binary @policy.txt
[ "$(cat code)" = 400 ] || fail "a file name with a path: $(cat code)"

# Sign-in takes its fields from the body only (a password in a URL
# reaches logs), and refuses a page of another site (login CSRF).
get "/api/v1/session?login=g1&password=g1-password-long" -X POST
[ "$(cat code)" = 400 ] || fail "sign-in by query string: $(cat code)"
signin g1 g1-password-long "" -H "Origin: http://evil.example"
[ "$(cat code)" = 403 ] || fail "sign-in from another site: $(cat code)"
grep -qi '^www-authenticate' hdr && fail "a sign-in answer challenges for a token"

# Session fixation: a session id the client brings is never adopted, and
# a session held before a sign-in ends with it.
signin g1 g1-password-long "" -b "cw_session=cws_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
[ "$(cat code)" = 201 ] || fail "g1 sign-in: $(cat code)"
grep -q 0123456789abcdef jar.g1 && fail "a brought session id was adopted"
cp jar.g1 jar.g1old
signin g1 g1-password-long "" -b jar.g1old
cmp -s jar.g1 jar.g1old && fail "a second sign-in kept the session"
get /api/v1/session -b jar.g1old
[ "$(cat code)" = 401 ] || fail "the session before a sign-in still works: $(cat code)"
signin i1 i1-password-long ""
[ "$(cat code)" = 201 ] || fail "i1 sign-in: $(cat code)"

# What each tenant sees: another tenant's document is a missing one.
as g1 /api/v1/documents
[ "$(jq -r '[.documents[].id] | join(",")' body)" = "globex-plan,policy,soc2" ] || fail "g1's list: $(cat body)"
as i1 /api/v1/documents
[ "$(jq -r '[.documents[].id] | join(",")' body)" = "initech-plan,policy,soc2" ] || fail "i1's list: $(cat body)"
as i1 /api/v1/documents/globex-plan
[ "$(cat code)" = 404 ] || fail "i1 reads globex's document: $(cat code)"
sed 's/globex-plan/X/' body >other
as i1 /api/v1/documents/nothing-here
sed 's/nothing-here/X/' body >missing
cmp -s other missing || fail "another tenant's document differs from a missing one: $(cat other) / $(cat missing)"
as i1 /api/v1/documents/globex-plan/download -X POST
[ "$(cat code)" = 404 ] || fail "i1 asks to download globex's: $(cat code)"
as g1 /api/v1/documents/soc2
etag=$(sed -n 's/^ETag: //Ip' hdr | tr -d '\r')
as g1 /api/v1/documents/soc2 -H "If-None-Match: $etag"
[ "$(cat code)" = 304 ] || fail "document ETag: $(cat code)"
as g1 /api/v1/documents/soc2 -H "If-None-Match: \"other\", W/$etag"
[ "$(cat code)" = 304 ] || fail "a list with the weak ETag: $(cat code)"
as g1 /api/v1/documents/soc2 -X PUT
[ "$(cat code)" = 405 ] && grep -qi '^allow: GET, HEAD' hdr || fail "405 and Allow: $(cat code) $(grep -i allow hdr)"

# The Artifact flow: gated until the NDA is accepted, then one download.
as g1 /api/v1/documents/soc2/subscription -X POST
[ "$(cat code)" = 204 ] || fail "subscribe: $(cat code)"
as g1 /api/v1/documents/soc2/download -X POST
[ "$(cat code)" = 403 ] && jq -e '.detail | test("accept agreement nda")' body >/dev/null ||
  fail "gated before acceptance: $(cat code) $(cat body)"
as g1 /api/v1/agreements/nda
jq -e '.version == 1 and .accepted == false and (.text | test("Version one"))' body >/dev/null ||
  fail "the terms: $(cat body)"
as g1 /api/v1/agreements/nda/acceptance -H "Content-Type: application/json" --data '{"version":"2"}'
[ "$(cat code)" = 400 ] || fail "accepting a version not shown: $(cat code)"
as g1 /api/v1/agreements/nda/acceptance -H "Content-Type: application/json" --data '{"version":"1"}'
[ "$(cat code)" = 204 ] || fail "accept: $(cat code) $(cat body)"
as g1 /api/v1/documents/soc2/download -X POST
[ "$(cat code)" = 201 ] || fail "download link: $(cat code) $(cat body)"
LINK=$(jq -r .url body)
[[ "$LINK" =~ ^/api/v1/downloads/cwd_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] || fail "link: $LINK"
as i1 "$LINK"
[ "$(cat code)" = 403 ] || fail "another user spends the link: $(cat code)"
as g1 "$LINK" -I
[ "$(cat code)" = 405 ] && grep -qi '^allow: GET' hdr || fail "HEAD on a link: $(cat code)"
curl -s -o got.pdf -D hdr -w '%{http_code}' -b jar.g1 "$U$LINK" >code
[ "$(cat code)" = 200 ] || fail "download: $(cat code)"
cmp -s got.pdf soc2.pdf || fail "the bytes differ"
SHA=$(sha256sum soc2.pdf | cut -d' ' -f1)
grep -qi "^x-cloudward-sha256: $SHA" hdr || fail "SHA-256 header: $(grep -i sha256 hdr)"
grep -qi '^content-disposition: attachment; filename="soc2.pdf"' hdr || fail "disposition: $(grep -i disposition hdr)"
grep -qi '^content-type: application/octet-stream' hdr || fail "type: $(grep -i content-type hdr)"
DLID=$(sed -n 's/^x-cloudward-download: //Ip' hdr | tr -d '\r')
as g1 "$LINK"
[ "$(cat code)" = 403 ] || fail "a link spent twice: $(cat code)"
# An expired link.
as g1 /api/v1/documents/policy/download -X POST
LINK2=$(jq -r .url body)
ID2=${LINK2#/api/v1/downloads/cwd_}
ID2=${ID2:0:16}
if [ "$S" = "$WORK/st" ]; then
  sqlite3 st/access.db "UPDATE downloads SET expires = 1 WHERE id = '$ID2'"
else
  pg_super -c "UPDATE downloads SET expires = 1 WHERE id = '$ID2'" >/dev/null
fi
as g1 "$LINK2"
[ "$(cat code)" = 403 ] || fail "an expired link: $(cat code)"
as g1 "/api/v1/downloads/../../etc/passwd" --path-as-is
[ "$(cat code)" = 404 ] || fail "traversal on downloads: $(cat code)"
as g1 "/api/v1/downloads/..%2F..%2Fetc%2Fpasswd"
[ "$(cat code)" = 404 ] || fail "encoded traversal on downloads: $(cat code)"

# An audit package is a gated document: an upload that is no package is
# refused as one; a real one reaches the auditor as its exact bytes and
# verifies offline with the provider's package key.
cp -r "$SRC/examples/nimbus-iaas" nimbus
expect_exit 0 "$CW" package --as-of "$(date -u +%F)" -o pkg.tar.gz --scope nimbus/cloudward.yaml --store "$S"
expect_exit 0 "$CW" package vkey --store "$S"
cp out pkg.pem
as ada "/api/v1/documents?id=pkg&title=Audit+package&type=package&class=gated&agreement=nda&name=junk.tar.gz" \
  --data-binary @soc2.pdf -H "Content-Type: application/octet-stream"
[ "$(cat code)" = 400 ] && jq -e '.detail | test("audit package")' body >/dev/null ||
  fail "junk taken as a package: $(cat code) $(cat body)"
up pkg "title=Audit+package&type=package&class=gated&agreement=nda" pkg.tar.gz
echo 'auditor-password-long' | "$CW" admin user add eve --role auditor --until 2099-12-31 --store "$S" >eve.otp 2>/dev/null ||
  fail "auditor eve"
signin eve auditor-password-long "$(totp "$(sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' eve.otp)")"
[ "$(cat code)" = 201 ] || fail "auditor sign-in: $(cat code) $(cat body)"
as eve /api/v1/documents/pkg/download -X POST
if [ "$(cat code)" = 403 ]; then
  as eve /api/v1/agreements/nda/acceptance -H "Content-Type: application/json" --data '{"version":"1"}'
  as eve /api/v1/documents/pkg/download -X POST
fi
[ "$(cat code)" = 201 ] || fail "the auditor's package link: $(cat code) $(cat body)"
curl -s -o got.tar.gz -w '%{http_code}' -b jar.eve "$U$(jq -r .url body)" >code
[ "$(cat code)" = 200 ] && cmp -s got.tar.gz pkg.tar.gz || fail "the package downloaded: $(cat code)"
expect_exit 0 "$CW" package verify got.tar.gz --vkey pkg.pem

# A new version: a notice to the subscriber, none to others.
printf 'SOC 2 report, bridge letter\n' >soc2b.pdf
up soc2 "title=SOC+2+report&type=audit-report&class=gated&agreement=nda" soc2b.pdf
as g1 /api/v1/notices
jq -e '.notices | length == 1 and .[0].document == "soc2" and .[0].version == 2' body >/dev/null ||
  fail "g1's notices: $(cat body)"
as i1 /api/v1/notices
jq -e '.notices == []' body >/dev/null || fail "i1's notices: $(cat body)"
# A new NDA version asks again.
as ada /api/v1/agreements -H "Content-Type: application/json" \
  --data '{"id":"nda","title":"Mutual NDA","text":"Version two of the terms."}'
as g1 /api/v1/documents/soc2/download -X POST
[ "$(cat code)" = 403 ] || fail "a new NDA version did not ask again: $(cat code)"

# Malformed and oversized requests.
as ada /api/v1/agreements -H "Content-Type: application/json" --data '{"id":"x","id":"y"}'
[ "$(cat code)" = 400 ] && jq -e '.detail | test("duplicate")' body >/dev/null || fail "duplicate field: $(cat code) $(cat body)"
as ada /api/v1/agreements -H "Content-Type: application/json" --data '{"id":['
[ "$(cat code)" = 400 ] || fail "malformed JSON: $(cat code)"
as ada /api/v1/agreements -H "Content-Type: text/plain" --data 'id=x'
[ "$(cat code)" = 415 ] || fail "text/plain: $(cat code)"
head -c $((65 * 1024 * 1024)) /dev/zero >big.bin
as ada "/api/v1/documents?id=big&title=Big&type=policy&class=public&name=big.bin" --data-binary @big.bin
[ "$(cat code)" = 413 ] || fail "65 MiB document: $(cat code)"
rm -f big.bin
head -c $((65 * 1024 * 1024)) /dev/zero >big.bin
as g1 "/api/v1/documents?id=big&title=Big&type=policy&class=public&name=big.bin" --data-binary @big.bin
[ "$(cat code)" = 403 ] || fail "a customer's upload: $(cat code)"
rm -f big.bin

# Sign-out ends the session.
as g1 /api/v1/session -X DELETE
[ "$(cat code)" = 204 ] || fail "sign-out: $(cat code)"
grep -i '^set-cookie: cw_session=;' hdr | grep -q 'Max-Age=0' || fail "sign-out cookie: $(grep -i set-cookie hdr)"
as g1 /api/v1/session
[ "$(cat code)" = 401 ] || fail "a session after sign-out: $(cat code)"

# The ledger: each step, in the tenant's own view and no other's.
expect_exit 0 "$CW" log show --store "$S" --tenant globex --format json
grep -q "$SHA" out || fail "globex's log has no download with the SHA-256"
grep -q "$DLID" out || fail "globex's log has no download id"
[ "$(jq -r '.entry.api.operation // .entry.activity_name' out | grep -c '^agreement.accept$')" = 1 ] ||
  fail "globex's log: $(jq -r '.entry.api.operation // .entry.activity_name' out | sort | uniq -c)"
expect_exit 0 "$CW" log show --store "$S" --tenant initech --format json
grep -q "$SHA\|$DLID" out && fail "initech's log shows globex's download"
expect_exit 0 "$CW" log show --store "$S" --format json
for t in $(cat csrf.* 2>/dev/null); do grep -q -e "$t" out && fail "a form token reached the ledger"; done
grep -q "password-long\|cws_" out server.log && fail "a password or session reached the ledger or log"

# People pages: the admin adds a customer (its password shown once
# works); a customer-admin sees and adds its own tenant's people only.
as ada /people
[ "$(cat code)" = 200 ] && grep -q '>g1<' body && grep -q '>i1<' body || fail "the admin's people page: $(cat code)"
as ada /people -H "Content-Type: application/x-www-form-urlencoded" \
  --data "login=newbie&role=customer&tenant=globex&csrf=$(cat csrf.ada)"
[ "$(cat code)" = 201 ] || fail "add a person: $(cat code)"
NPW=$(sed -n 's/.*<dt>Password<\/dt><dd><code>\([^<]*\)<.*/\1/p' body)
[ -n "$NPW" ] || fail "no password shown: $(head -c 400 body)"
signin newbie "$NPW" ""
[ "$(cat code)" = 201 ] || fail "the new person signs in: $(cat code)"
echo 'customer-admin-password' | "$CW" admin user add gca --role customer-admin --tenant globex --store "$S" >/dev/null 2>&1 ||
  fail "customer-admin user"
signin gca customer-admin-password ""
as gca /people
[ "$(cat code)" = 200 ] && grep -q '>g1<' body && ! grep -q '>i1<' body || fail "the customer-admin's people page"
as gca /people -H "Content-Type: application/x-www-form-urlencoded" --data "login=boss&role=admin&csrf=$(cat csrf.gca)"
[ "$(cat code)" = 403 ] || fail "a customer-admin adds an admin: $(cat code)"
as gca /people -H "Content-Type: application/x-www-form-urlencoded" \
  --data "login=spy&role=customer&tenant=initech&csrf=$(cat csrf.gca)"
[ "$(cat code)" = 404 ] || fail "a customer-admin adds to another tenant: $(cat code)"

# An auditor's access ends: an end in the past refuses the sign-in, and
# ending a signed-in user's access ends its session.
echo 'auditor-password-long' | "$CW" admin user add aud --role auditor --until 2020-01-01 --store "$S" >aud.otp 2>/dev/null ||
  fail "auditor user"
signin aud auditor-password-long "$(totp "$(sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p' aud.otp)")"
[ "$(cat code)" = 401 ] || fail "an auditor past its end signed in: $(cat code)"
expect_exit 0 "$CW" admin user list --store "$S" --format json
jq -s -e 'map(select(.login == "ada"))[0].until == 0' out >/dev/null || fail "the admin's access has an end"
as ada /api/v1/session
[ "$(cat code)" = 200 ] || fail "ada's session before its end: $(cat code)"
expect_exit 0 "$CW" admin user until ada --until 2020-01-01 --store "$S"
as ada /api/v1/session
[ "$(cat code)" = 401 ] || fail "a session outlived its user's end of access: $(cat code)"
expect_exit 2 "$CW" admin user until ada --until 2027-02-30 --store "$S"

# Brute force: five failures lock the account (the right password then
# fails too), and an address past ten failures in five minutes waits.
for _ in 1 2 3 4 5; do signin i1 wrong-password-here ""; done
signin i1 i1-password-long ""
[ "$(cat code)" = 401 ] || fail "a locked account signed in: $(cat code)"
n=0
for _ in $(seq 1 12); do
  signin nobody wrong-password-here ""
  n=$((n + 1))
  [ "$(cat code)" = 429 ] && break
done
[ "$(cat code)" = 429 ] && grep -qi '^retry-after: 300' hdr || fail "no throttle after $n more failures: $(cat code)"

kill -TERM "$pid"
wait "$pid" || fail "the server exited $?"
finish
