#!/bin/bash
# README "Quick start", first command: installs the Debian packages, builds
# thumper into ./_build and runs thumperd in the foreground on the demo
# config (etc/thumper-demo.conf): it watches demo/incoming and writes
# thumbnails to demo/thumbs.  The first time, demo/incoming gets a few real
# photographs (from Debian's mate-backgrounds) so there is something to
# see at once.  Stop it with Ctrl-C.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -eq 0 ]; then
	scripts/install-deps.sh
fi
autoreconf -fi
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure; } && make -j"$(nproc)")

mkdir -p demo/incoming
if [ -z "$(ls -A demo/incoming)" ]; then
	find /usr/share/backgrounds/mate -name '*.jpg' 2>/dev/null | sort | head -6 |
		xargs -r cp -t demo/incoming
fi
exec _build/thumperd -c etc/thumper-demo.conf
