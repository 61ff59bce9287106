#!/bin/sh
# Installs everything thumper needs to build, test and benchmark on Debian 12.
# The README's quick start and .ci/run both call this one script, so the list
# of packages lives in exactly one place.
set -eu

build="build-essential autoconf automake libtool pkg-config
  libvips-dev libuv1-dev libsystemd-dev libconfig-dev check"
tests="libvips-tools rsync tar coreutils findutils python3 procps"
extras="clang libclang-rt-14-dev"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $build $tests $extras
