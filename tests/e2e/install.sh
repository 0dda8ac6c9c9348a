#!/usr/bin/env bash
# install.sh - `cmake --install` into a temporary prefix, then a program
# built against it through pkg-config and through find_package(cloudward)
# runs (the .pc file said prefix=/usr/local whatever --prefix was).
# usage: install.sh CLOUDWARD SRC BUILD_DIR
. "$(dirname "$0")/lib.sh"
BUILD=$3
PREFIX=$WORK/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null || fail "cmake --install"
pc=$(find "$PREFIX" -name cloudward.pc | head -1)
[ -n "$pc" ] || fail "no cloudward.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir cloudward)
[ "$(realpath "$libdir")" = "$(realpath "$(dirname "$(dirname "$pc")")")" ] ||
  fail "pkg-config libdir $libdir is not where the library is"
# shellcheck disable=SC2046
cc -o consumer-pc "$SRC/tests/install/consumer.c" $(pkg-config --cflags --libs cloudward) ||
  fail "building against pkg-config"
LD_LIBRARY_PATH=$libdir ./consumer-pc | grep -q "^[0-9]* catalogs$" || fail "pkg-config consumer"
cmake -S "$SRC/tests/install" -B cbuild -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null ||
  fail "find_package(cloudward)"
cmake --build cbuild >/dev/null || fail "building against the CMake package"
LD_LIBRARY_PATH=$libdir ./cbuild/consumer | grep -q "^[0-9]* catalogs$" || fail "CMake consumer"
finish
