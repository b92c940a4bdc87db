#!/bin/sh
# Installs what building and testing assay needs on Debian 12, only what is
# missing. Run as root (or with sudo available). Safe to run again.
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes; clang
# only recommends it, and recommends are not installed) build the fuzz targets.
# cmake (ctest), libgtest-dev, bats, python3-pytest, kyua, meson with
# ninja-build, and catch2 are the real test tools whose own result files
# tests/cli/real_tools.sh imports: not build dependencies, the dialects'
# source of truth.
set -eu
pkgs="build-essential pkg-config libuv1-dev libsqlite3-dev libpq-dev libmicrohttpd-dev
libjansson-dev libexpat1-dev libyaml-dev libcurl4-openssl-dev libsodium-dev libcmocka-dev
sqlite3 procps python3 perl time bsdutils clang libclang-rt-14-dev curl expat bc wrk jq
postgresql cmake libgtest-dev bats python3-pytest kyua meson ninja-build catch2"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
