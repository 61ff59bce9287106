#!/bin/bash
# thumperd with `shard`: two daemons, shard 1/2 and 2/2, serve one source
# tree and one dest tree (design.md §10).  Each thumbnails, renames and
# deletes only the files of its shard; its reconcile never takes the
# other's thumbnails for orphans; a restart of one leaves the other's
# thumbnails alone.  The shard of a path is computed here from the hash
# lib/shard.h documents, so the test also pins that definition.
. "$(dirname "$0")/lib.sh"
daemon_require

D=$(newdir)
IN=$D/in
DST=$D/out
mkdir -p "$IN" "$DST"
FIX=$D/fix
mkimg "$FIX/a.jpg" 400 300

# conf K: D/K/thumper.conf for shard K/2 over the shared in/ and out/.
conf() {
	mkdir -p "$D/$1"
	cat >"$D/$1/thumper.conf" <<CONF
workers = 1;
control_socket = "$D/$1/ctl.sock";
state_dir = "$D/$1/state";
log_level = "debug";
shard = "$1/2";
watch = ( { source = "$IN"; dest = "$DST"; } );
sizes = ( { width = 200; height = 200; } );
CONF
}

# start K: starts the daemon of shard K; its pid in PID_K.
start() {
	if daemon_start "$D/$1"; then
		eval "PID_$1=\$DPID"
		return 0
	fi
	daemon_fail "shard $1/2 starts"
	return 1
}

# stop K: stops the daemon of shard K.
stop() {
	DPID=$(eval "echo \$PID_$1")
	DLOG=$D/$1/daemon.log
	daemon_stop
}

# mine K REL...: those of the RELs that are shard K's.
mine() {
	local k=$1 rel
	shift
	for rel in "$@"; do
		[ "$(shard_of "$rel" 2)" = "$k" ] && echo "$rel"
	done
}

# walked_again: shard 1's log has more walks of in/ than WALKS.
walked_again() { [ "$(grep -c "walked $IN" "$D/1/daemon.log")" -gt "$WALKS" ]; }

# made_by K REL: the log of shard K says it thumbnailed in/REL.
made_by() { grep -qF "thumbnail of $IN/$2 " "$D/$1/daemon.log"; }

conf 1
conf 2
RELS=()
for i in $(seq 1 12); do
	RELS+=("p$i.jpg")
	cp "$FIX/a.jpg" "$IN/p$i.jpg"
done
mkdir -p "$IN/sub"
for i in 1 2 3 4 5 6; do
	RELS+=("sub/q$i.jpg")
	cp "$FIX/a.jpg" "$IN/sub/q$i.jpg"
done
ONE=$(mine 1 "${RELS[@]}")
TWO=$(mine 2 "${RELS[@]}")
if [ -z "$ONE" ] || [ -z "$TWO" ]; then
	fail "the fixture has files of both shards" "1: $ONE" "2: $TWO"
fi

t_first_shard_alone() {
	local rel missing= extra=
	start 1 || return
	for rel in $ONE; do
		wait_for 20 fresh "$IN/$rel" "$DST/$(thumb_rel "$rel")" ||
			missing="$missing $rel"
	done
	for rel in $TWO; do
		[ -e "$DST/$(thumb_rel "$rel")" ] && extra="$extra $rel"
	done
	if [ -z "$missing$extra" ]; then
		pass "shard 1/2 alone thumbnails its files and none of 2/2's"
	else
		daemon_fail "shard 1/2 alone thumbnails its files and none of 2/2's" \
			"missing:$missing" "not its own:$extra"
	fi
}

t_second_shard_joins() {
	local rel missing= inodes_before inodes_after
	inodes_before=$(for rel in $ONE; do inode "$DST/$(thumb_rel "$rel")"; done)
	start 2 || return
	for rel in "${RELS[@]}"; do
		wait_for 20 fresh "$IN/$rel" "$DST/$(thumb_rel "$rel")" ||
			missing="$missing $rel"
	done
	inodes_after=$(for rel in $ONE; do inode "$DST/$(thumb_rel "$rel")"; done)
	dexpect_eq "both shards together: every file has its thumbnail" \
		"${missing:-none}" none
	dexpect_eq "shard 2/2's start leaves 1/2's thumbnails alone (same inodes)" \
		"$inodes_after" "$inodes_before"
	if [ "$(tree_check "$IN" "$DST")" = ok ]; then
		pass "the dest tree mirrors the source exactly"
	else
		fail "the dest tree mirrors the source exactly" "$(tree_check "$IN" "$DST")"
	fi
}

t_live() {
	local i rel news=() bad=
	for i in $(seq 20 29); do
		rel="n$i.jpg"
		news+=("$rel")
		cp "$FIX/a.jpg" "$IN/$rel"
	done
	for rel in "${news[@]}"; do
		wait_for 20 fresh "$IN/$rel" "$DST/$(thumb_rel "$rel")" || bad="$bad $rel(none)"
	done
	for rel in "${news[@]}"; do
		local k other
		k=$(shard_of "$rel" 2)
		other=$((3 - k))
		made_by "$k" "$rel" || bad="$bad $rel(not by $k)"
		made_by "$other" "$rel" && bad="$bad $rel(also by $other)"
	done
	dexpect_eq "new files: each thumbnailed once, by its own shard" "${bad:-ok}" ok
}

t_delete_and_rename() {
	local a b gone new
	a=$(echo "$ONE" | head -n 1)
	b=$(echo "$TWO" | head -n 1)
	rm "$IN/$a"
	dexpect "rm of a 1/2 file: its thumbnail goes" 20 \
		gone "$DST/$(thumb_rel "$a")"
	# a name of the other shard for b: try names until one hashes to 1
	for new in r1.jpg r2.jpg r3.jpg r4.jpg r5.jpg r6.jpg; do
		[ "$(shard_of "$new" 2)" = 1 ] && break
	done
	mv "$IN/$b" "$IN/$new"
	dexpect "mv of a 2/2 file to a 1/2 name: the new thumbnail is made" 20 \
		fresh "$IN/$new" "$DST/$(thumb_rel "$new")"
	dexpect "... and the old one removed" 20 gone "$DST/$(thumb_rel "$b")"
	dexpect "... by their shards (1/2 made it)" 5 made_by 1 "$new"
}

t_dir_move() {
	mv "$IN/sub" "$IN/moved"
	dexpect "a moved folder: every file has its thumbnail under the new name" 30 \
		tree_ok "$IN" "$DST"
}

t_restart_one() {
	local rel before after
	before=$(for rel in $(mine 2 "${RELS[@]}"); do
		[ -e "$IN/$rel" ] && inode "$DST/$(thumb_rel "$rel")"; done)
	WALKS=$(grep -c "walked $IN" "$D/1/daemon.log")
	stop 1
	start 1 || return
	dexpect "shard 1/2 restarted: its walk is done" 20 walked_again
	after=$(for rel in $(mine 2 "${RELS[@]}"); do
		[ -e "$IN/$rel" ] && inode "$DST/$(thumb_rel "$rel")"; done)
	dexpect_eq "a restart of 1/2 leaves 2/2's thumbnails alone" "$after" "$before"
	if [ "$(tree_check "$IN" "$DST")" = ok ]; then
		pass "... and the tree still mirrors the source"
	else
		fail "... and the tree still mirrors the source" "$(tree_check "$IN" "$DST")"
	fi
}

t_status() {
	local out
	out=$(ctl_req "$D/1/ctl.sock" status 2>/dev/null)
	case $out in
	*'"shard": "1/2"'*) pass "status names the shard" ;;
	*) fail "status names the shard" "got: $out" ;;
	esac
}

t_bad_value() {
	local out rc
	mkdir -p "$D/bad"
	sed 's|shard = "1/2";|shard = "3/2";|' "$D/1/thumper.conf" >"$D/bad/thumper.conf"
	out=$("$THUMPERD" -t -c "$D/bad/thumper.conf" 2>&1)
	rc=$?
	expect_eq "shard = \"3/2\": thumperd -t exits 2" "$rc" 2
	case $out in
	*"$D/bad/thumper.conf:5: shard:"*"3/2"*)
		pass "... naming the file, the line, the key and the value" ;;
	*) fail "... naming the file, the line, the key and the value" "got: $out" ;;
	esac
}

t_first_shard_alone
t_second_shard_joins
t_live
t_delete_and_rename
t_dir_move
t_restart_one
t_status
t_bad_value
stop 1
stop 2
tap_done
