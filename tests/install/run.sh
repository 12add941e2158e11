#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a small program
# against it twice: with pkg-config and with CMake's find_package(Reef).
set -euo pipefail
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

cat > "$tmp/prog.c" <<'C'
#include <reef/reef.h>
#include <stdio.h>
static reef_future twice(void *cap, reef_val v) { (void)cap; return reef_ready_i64(v.i * 2); }
static reef_future show(void *cap, reef_val v)
{
    (void)cap;
    printf("installed reef %s says %lld\n", REEF_VERSION_STRING, (long long)v.i);
    return reef_done();
}
static reef_future app_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_then(reef_then(reef_sleep(reef_ms(1)), twice, NULL, 0), show, NULL, 0);
}
int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("prog", "install check");
    int st = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return st;
}
C
expect="installed reef"
fail=0

# 1. pkg-config, shared library.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig:$prefix/lib/aarch64-linux-gnu/pkgconfig
cc -Wall -Wextra -Werror -o "$tmp/prog-pc" "$tmp/prog.c" $(pkg-config --cflags --libs reef)
libdir=$(pkg-config --variable=libdir reef)
out=$(LD_LIBRARY_PATH=$libdir "$tmp/prog-pc")
case $out in "$expect"*) echo "PASS pkg-config shared";; *) echo "FAIL pkg-config shared: $out"; fail=1;; esac

# 2. pkg-config --static.
cc -Wall -Wextra -Werror -o "$tmp/prog-static" "$tmp/prog.c" $(pkg-config --cflags reef) \
  "$libdir/libreef.a" $(pkg-config --libs --static reef | sed 's/-lreef//')
out=$("$tmp/prog-static")
case $out in "$expect"*) echo "PASS pkg-config static";; *) echo "FAIL pkg-config static: $out"; fail=1;; esac

# 3. CMake find_package(Reef) -> Reef::reef.
mkdir -p "$tmp/cm"
cp "$tmp/prog.c" "$tmp/cm/"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(ReefConsumer C)
find_package(Reef REQUIRED)
add_executable(prog prog.c)
target_link_libraries(prog PRIVATE Reef::reef)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
out=$(LD_LIBRARY_PATH=$libdir "$tmp/cm/build/prog")
case $out in "$expect"*) echo "PASS find_package";; *) echo "FAIL find_package: $out"; fail=1;; esac

[ $fail -eq 0 ] && echo "3 passed, 0 failed" || echo "failures above"
exit $fail
