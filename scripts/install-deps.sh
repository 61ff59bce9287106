#!/bin/sh
# Installs what thumper needs from Debian 12's packages.  The README's quick
# start and .ci/run both call this one script, so the package list lives in
# exactly one place.
#
#   install-deps.sh          build, test and fuzz dependencies
#   install-deps.sh bench    the same plus what `make bench` compares against
set -eu

build="build-essential autoconf automake libtool pkg-config
  libvips-dev libuv1-dev libsystemd-dev libconfig-dev check
  libjpeg62-turbo-dev libexif-dev libcairo2-dev"
# vips CLI makes test images; mate-backgrounds gives real photographs.
tests="libvips-tools mate-backgrounds rsync tar coreutils findutils procps
  python3 clang libclang-rt-14-dev"
# make check-systemd: a debootstrapped Debian booted with systemd-nspawn
systemd_tests="systemd debootstrap systemd-container strace"
# the corpus of ../shared/corpus/make-corpus.sh and the original program
bench="plasma-workspace-wallpapers gnome-backgrounds python3-pil hyperfine
  time valgrind"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get install)" >&2
	exit 2
fi
pkgs="$build $tests $systemd_tests"
[ "${1:-}" = bench ] && pkgs="$pkgs $bench"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs
