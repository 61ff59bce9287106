#!/bin/bash
# The whole test suite, as CI runs it (README: "Quick start", second command).
#
#   1. installs the Debian packages (scripts/install-deps.sh),
#   2. builds with -Werror and runs `make check`,
#   3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and
#      runs `make check` under them; then `make distcheck`,
#   4. boots a debootstrapped Debian with systemd-nspawn and proves the
#      installed, hardened thumperd.service works (make check-systemd),
#   5. builds the Debian package, installs it with apt in a booted Debian,
#      serves, reloads, removes and purges it (make check-deb),
#   6. runs contrib/slurm/thumper-array.sbatch as a job array on a private
#      single-node Slurm cluster (make check-slurm),
#   7. runs every fuzz target for FUZZ_SECONDS (default 20) each,
# and ends with one line "N passed, N failed".  Build trees go to
# $BUILD_ROOT (default ./_check).  Exit status 0 only if nothing failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
root=${BUILD_ROOT:-$top/_check}
jobs=$(nproc)
failed_steps=()

step() { printf '\n=== %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
	step "installing dependencies"
	"$top/scripts/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
else
	echo "not root: assuming scripts/install-deps.sh has been run"
fi

step "autoreconf"
(cd "$top" && autoreconf -fi) || { echo "0 passed, 1 failed"; exit 1; }

# build NAME [configure args...]: configure, build and `make check` in
# $root/NAME; a failure to configure or build counts as one failed test.
build_and_check() {
	local name=$1; shift
	local dir=$root/$name
	step "$name: build"
	rm -rf "$dir"; mkdir -p "$dir"
	if ! (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out &&
		make -j"$jobs" >make.out 2>&1); then
		tail -40 "$dir/configure.out" "$dir/make.out" 2>/dev/null
		failed_steps+=("$name build")
		return
	fi
	step "$name: make check"
	(cd "$dir" && make -j"$jobs" check) || {
		for log in $(grep -l ':test-result: \(FAIL\|ERROR\|XPASS\)' \
			$(find "$dir" -name '*.trs') 2>/dev/null); do
			echo "--- ${log%.trs}.log"; tail -60 "${log%.trs}.log"
		done
	}
}

build_and_check plain
san="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	build_and_check sanitize CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined"

step "make distcheck (the release tarball builds and passes make check)"
distcheck_ok=0
if (cd "$root/plain" && make -j"$jobs" distcheck >distcheck.out 2>&1); then
	distcheck_ok=1
	echo "distcheck: ok"
else
	tail -60 "$root/plain/distcheck.out"
	failed_steps+=("make distcheck")
fi

# tap_step NAME OUT CMD...: runs CMD, which prints TAP, into OUT; a
# failing CMD that reported no failing test (it died) is one failure.
tap_outs=()
tap_step() {
	local name=$1 out=$2
	shift 2
	mkdir -p "$root"
	"$@" | tee "$out"
	if [ "${PIPESTATUS[0]}" -ne 0 ] && ! grep -q '^not ok ' "$out"; then
		failed_steps+=("$name")
	fi
	tap_outs+=("$out")
}

step "systemd boot test (make check-systemd)"
tap_step "make check-systemd" "$root/systemd.tap" make -C "$root/plain" -s check-systemd

step "Debian package test (make check-deb)"
tap_step "make check-deb" "$root/deb.tap" make -C "$root/plain" -s check-deb

step "Slurm job array (make check-slurm)"
tap_step "make check-slurm" "$root/slurm.tap" make -C "$root/plain" -s check-slurm

step "fuzz (${FUZZ_SECONDS:-20} s per target)"
FUZZ_SECONDS=${FUZZ_SECONDS:-20} FUZZ_WORK=$root/fuzz \
	tap_step "fuzz" "$root/fuzz.tap" "$top/tests/fuzz/run.sh"

passed=$(cat $(find "$root" -name '*.trs') /dev/null | grep -c ':test-result: \(PASS\|XFAIL\|SKIP\)')
failed=$(cat $(find "$root" -name '*.trs') /dev/null | grep -c ':test-result: \(FAIL\|ERROR\|XPASS\)')
passed=$((passed + distcheck_ok + $(cat "${tap_outs[@]}" | grep -c '^ok ')))
failed=$((failed + $(cat "${tap_outs[@]}" | grep -c '^not ok ') + ${#failed_steps[@]}))
for s in "${failed_steps[@]}"; do echo "FAILED: $s"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
