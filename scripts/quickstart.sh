#!/bin/bash
# README "Quick start", first command: installs the Debian packages, builds
# thumper into ./_build and thumbnails the demo drop folder.
#
# demo/incoming is filled with a few real photographs (from Debian's
# mate-backgrounds) the first time; thumbnails go to demo/thumbs.
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
	find /usr/share/backgrounds/mate -name '*.jpg' 2>/dev/null | sort | head -12 |
		xargs -r cp -t demo/incoming
fi
exec _build/thumper --progress demo/incoming demo/thumbs
