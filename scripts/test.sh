#!/usr/bin/env bash
# Builds cloudward from scratch and runs the whole test suite with CTest.
#   scripts/test.sh              warnings as errors, RelWithDebInfo
#   scripts/test.sh --sanitize   the same under ASan + UBSan (build-asan/)
#   scripts/test.sh --fuzz N     build the libFuzzer targets (YAML loader,
#                                check pack loader, JSON parser, JSONPath,
#                                config loaders, host config readers,
#                                cron expressions)
#                                with clang and run each for N seconds
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
case "${1:-}" in
--sanitize)
  rm -rf build-asan
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCW_SANITIZE=ON \
        -DCMAKE_C_COMPILER=gcc >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
  ;;
--fuzz)
  secs=${2:-30}
  rm -rf build-fuzz
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCW_FUZZ=ON \
        -DCMAKE_C_COMPILER=clang >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz_yaml fuzz_pack fuzz_json fuzz_jsonpath fuzz_terraform \
    fuzz_hostfiles fuzz_cloudformation fuzz_kubernetes fuzz_cli fuzz_merkle fuzz_entry fuzz_words fuzz_chunk fuzz_fields fuzz_registers fuzz_oscal fuzz_package fuzz_agentpush fuzz_cron fuzz_monitor fuzz_http
  for t in yaml pack json jsonpath terraform hostfiles cloudformation kubernetes cli merkle entry words chunk fields registers oscal package agentpush cron monitor http; do
    mkdir -p "build-fuzz/corpus-$t"
    ./build-fuzz/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 \
      -timeout=10 "build-fuzz/corpus-$t" "fuzz/corpus/$t"
  done
  ;;
"")
  rm -rf build
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$jobs"
  ctest --test-dir build --output-on-failure -j"$jobs"
  ;;
*)
  echo "usage: scripts/test.sh [--sanitize | --fuzz SECONDS]" >&2
  exit 2
  ;;
esac
