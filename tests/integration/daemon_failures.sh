#!/bin/bash
# thumperd: bad input (design.md §5).  A source that cannot be thumbnailed is
# recorded under state_dir/failed (one record per source, naming it and
# the reason), gets no thumbnail, and the daemon carries on: good files
# arriving afterwards are thumbnailed.  A failed source is redone once it
# changes (fixed by a good copy), and its record goes away.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
IN=$D/in
DST=$D/out
STATE=$D/state
daemon_conf "$D"
FIX=$D/fix
mkimg "$FIX/good.jpg" 400 300
mkimg "$FIX/whole.jpg" 800 600
mkimg "$FIX/whole.png" 800 600
sz=$(stat -c %s "$FIX/whole.jpg")
head -c $((sz / 2)) "$FIX/whole.jpg" >"$FIX/truncated.jpg"
sz=$(stat -c %s "$FIX/whole.png")
head -c $((sz / 2)) "$FIX/whole.png" >"$FIX/truncated.png"
echo "this is not an image, just text" >"$FIX/text.jpg"

BAD="bad/truncated.jpg bad/sub/truncated.png bad/text.jpg bad/sub/empty.jpg"

# recorded REL: a failure record names in/REL.
recorded() { [ -n "$(failed_record "$STATE" "$IN/$1")" ]; }

all_recorded() {
	local rel
	for rel in $BAD; do
		recorded "$rel" || return 1
	done
}

# has_reason FILE PATH: FILE holds PATH and some words besides.
has_reason() {
	local rest
	rest=$(tr -d '\0' <"$1" | sed "s|$(printf '%s' "$2" | sed 's/[][\.*^$|]/\\&/g')||g")
	printf '%s' "$rest" | grep -q '[A-Za-z]\{3,\}'
}

t_bad_files() {
	local rel missing= noreason= rec n
	mkdir -p "$IN/bad/sub"
	cp "$FIX/truncated.jpg" "$IN/bad/truncated.jpg"
	cp "$FIX/truncated.png" "$IN/bad/sub/truncated.png"
	cp "$FIX/text.jpg" "$IN/bad/text.jpg"
	: >"$IN/bad/sub/empty.jpg"
	if wait_for 30 all_recorded; then
		pass "truncated JPEG, truncated PNG, text named .jpg, empty .jpg: each recorded under state_dir/failed"
	else
		for rel in $BAD; do recorded "$rel" || missing="$missing $rel"; done
		daemon_fail "truncated JPEG, truncated PNG, text named .jpg, empty .jpg: each recorded under state_dir/failed" \
			"no record naming:$missing" "state/failed: $(find "$STATE/failed" -type f 2>/dev/null | head -5 | tr '\n' ' ')"
	fi
	for rel in $BAD; do
		rec=$(failed_record "$STATE" "$IN/$rel" | head -1)
		[ -n "$rec" ] && { has_reason "$rec" "$IN/$rel" || noreason="$noreason $rel"; }
	done
	if [ -z "$noreason" ]; then
		pass "... each record holds the source's full path and a reason"
	else
		daemon_fail "... each record holds the source's full path and a reason" "no reason for:$noreason" \
			"e.g.: $(head -c 300 "$(failed_record "$STATE" "$IN/${noreason# }" | head -1)" | cat -v)"
	fi
	n=$(find "$STATE/failed" -type f | wc -l)
	dexpect_eq "... one record per failed source" "$n" 4
	dexpect_eq "... no thumbnail (nor a partial one) for any of them" \
		"$(find "$DST/bad" -type f 2>/dev/null | wc -l)" 0
	if pid_alive "$DPID"; then pass "... the daemon is still running"; else daemon_fail "... the daemon is still running"; fi

	mkdir -p "$IN/after"
	cp "$FIX/good.jpg" "$IN/after/good.jpg"
	cp "$FIX/whole.png" "$IN/bad/sub/fine.png"
	dexpect "a good file copied after the failures is still thumbnailed" 20 \
		eval 'fresh "$IN/after/good.jpg" "$DST/after/good.jpg" && fresh "$IN/bad/sub/fine.png" "$DST/bad/sub/fine.png"'
	dexpect_eq "... and no record for it" "$(failed_record "$STATE" "$IN/after/good.jpg")" ""
}

t_fixed() {
	cp "$FIX/whole.jpg" "$IN/bad/truncated.jpg"
	dexpect "a failed source replaced by a good copy: thumbnailed" 20 \
		fresh "$IN/bad/truncated.jpg" "$DST/bad/truncated.jpg"
	dexpect "... and its failure record goes away" 10 eval '! recorded bad/truncated.jpg'
	dexpect_eq "... the other records stay" \
		"$(recorded bad/text.jpg && recorded bad/sub/truncated.png && echo yes)" yes
}

t_deleted() {
	rm "$IN/bad/text.jpg"
	dexpect "a failed source deleted: its failure record goes away" 10 eval '! recorded bad/text.jpg'
}

t_many_bad() {
	local i
	mkdir -p "$IN/many"
	for i in $(seq 1 30); do
		cp "$FIX/text.jpg" "$IN/many/bad$i.jpg"
	done
	cp "$FIX/good.jpg" "$IN/many/zz-good.jpg"
	dexpect "30 bad files in a row, then a good one: the good one is thumbnailed" 30 \
		fresh "$IN/many/zz-good.jpg" "$DST/many/zz-good.jpg"
	dexpect "... and all 30 are recorded" 20 \
		eval '[ "$(grep -rlF "$IN/many/bad" "$STATE/failed" 2>/dev/null | wc -l)" = 30 ]'
}

t_restart_keeps_records() {
	local before after
	before=$(cd "$STATE/failed" && find . -type f | sort)
	daemon_stop TERM
	dexpect_eq "SIGTERM with failures on record: thumperd exits 0" "$DRC" 0
	if ! daemon_start "$D"; then
		daemon_fail "restart with failures on record: thumperd starts"
		return
	fi
	cp "$FIX/good.jpg" "$IN/after/probe.jpg"
	wait_for 20 fresh "$IN/after/probe.jpg" "$DST/after/probe.jpg"
	after=$(cd "$STATE/failed" && find . -type f | sort)
	dexpect_eq "after a restart the failure records are still there" "$after" "$before"
	dexpect_eq "... and the unchanged bad files still have no thumbnail" \
		"$(find "$DST/bad" "$DST/many" -type f | wc -l)" 3
}

if ! daemon_start "$D"; then
	daemon_fail "thumperd starts and logs ready within 20 s"
	tap_done
fi
pass "thumperd starts and logs ready within 20 s"
t_bad_files
t_fixed
t_deleted
t_many_bad
t_restart_keeps_records
daemon_stop TERM
dexpect_eq "SIGTERM: thumperd exits 0" "$DRC" 0
tap_done
