#!/usr/bin/env bash
# Installs what cloudward needs to build and test on Debian 12 (bookworm).
# Run as root, or as a user with sudo.
set -euo pipefail
packages=(
  build-essential cmake pkg-config   # toolchain
  libyaml-dev                        # YAML parser (src/parse)
  libxlsxwriter-dev zlib1g-dev       # XLSX reports (src/report)
  libpcre2-dev                       # regexes of check packs (src/checks)
  libsodium-dev                      # Ed25519 and randomness of the ledger
  libssl-dev                         # its SHA-256 (libcrypto, SHA-NI)
  libsqlite3-dev sqlite3             # the ledger's store; tests tamper with it
  libpq-dev                          # the PostgreSQL store (src/store/ledger_pg.c)
  postgresql postgresql-client       # tests start their own server (tests/e2e/pg.sh)
  libmicrohttpd-dev curl openssl     # cloudward serve (src/server); tests call it (TLS)
  libcurl4-openssl-dev               # serve's webhook deliveries (src/server/webhook_worker.c)
  libarchive-dev                     # the audit package's tar.gz (src/package)
  libcmocka-dev                      # unit tests
  clang libclang-rt-14-dev           # libFuzzer targets
  unzip jq                           # end-to-end tests read XLSX and JSON
  python3 python3-jsonschema         # tests validate SARIF against its schema
  libxml2-utils                      # and JUnit against Jenkins' (xmllint)
  chromium                           # the pages in a real browser, headless (tests/e2e/browser.sh)
  tzdata                             # the registers' deadlines in customers' time zones (src/registers/clock.c)
)
# The OpenAPI linter (tests/openapi, for tests/e2e/openapi.sh) runs on
# Node.js with npm: the machine's own when it has them, else Debian's
# (the linter wants Node.js 20.19 or later; the test says when it is older).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "setup: installed ${packages[*]}"
# The linter at the version tests/openapi/package-lock.json pins, from the
# npm registry, into tests/openapi/node_modules (as whoever runs this, not
# through sudo: the files belong to the work tree's owner).
npm ci --prefix "$(dirname "$0")/../tests/openapi" --no-audit --no-fund --loglevel=error
echo "setup: installed the OpenAPI linter: tests/openapi/node_modules"
# The browser tests' driver and checker (puppeteer-core, which never
# downloads a browser: it drives Debian's chromium above; axe-core), at the
# versions tests/browser/package-lock.json pins.
npm ci --prefix "$(dirname "$0")/../tests/browser" --no-audit --no-fund --loglevel=error
echo "setup: installed the browser tests' puppeteer-core and axe-core: tests/browser/node_modules"
# ajv-cli and ajv-formats, which validate every OSCAL document the tests
# write against NIST's schemas (tests/oscal/validate.sh).
npm ci --prefix "$(dirname "$0")/../tests/oscal" --no-audit --no-fund --loglevel=error
echo "setup: installed the OSCAL validator (ajv-cli): tests/oscal/node_modules"
