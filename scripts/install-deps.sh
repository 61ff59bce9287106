#!/bin/sh
# Installs what thumper needs from Debian 12's packages.  The README's quick
# start and .ci/run both call this one script.
#
#   install-deps.sh          build, test and fuzz dependencies
#   install-deps.sh bench    the same plus what `make bench` compares against
#
# The build and test dependencies are debian/control's Build-Depends, read
# by `apt-get build-dep` from the checkout: they are written only there.
# This script adds only what the package build itself never uses: the
# fuzzers' compiler, the tools of the booted-container tests (make
# check-systemd, make check-deb), the private Slurm cluster of make
# check-slurm and the benchmark's yardsticks.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# libFuzzer targets (tests/fuzz)
fuzz="clang libclang-rt-14-dev"
# make check-systemd and make check-deb: a debootstrapped Debian booted
# with systemd-nspawn, traced with strace; the package built and checked
systemd_tests="debootstrap systemd-container strace dpkg-dev lintian"
# make check-slurm: slurmctld, slurmd, the clients and munged
slurm_tests="slurm-wlm munge"
# make bench: the corpus' photographs and the original Python program
bench="plasma-workspace-wallpapers gnome-backgrounds python3-pil hyperfine
  time valgrind"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get install)" >&2
	exit 2
fi
extra="$fuzz $systemd_tests $slurm_tests"
[ "${1:-}" = bench ] && extra="$extra $bench"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get build-dep -y -q --no-install-recommends "$top"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $extra
