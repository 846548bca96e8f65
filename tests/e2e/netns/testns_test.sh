#!/usr/bin/env bash
# scripts/testns: exit status, the namespace's contents, clean-up of the
# namespace and of processes left in it, SIGTERM, usage errors.
# Usage: testns_test.sh PATH/TO/testns. Exit 0 pass, 1 fail, 77 skipped.
set -u
testns=$1
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: needs root"; exit 77; }
source "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each command notes its namespace's name, so that the end checks those
# only: tests running beside this one make namespaces of their own.
note="echo \"\$SF_TESTNS\" >>$tmp/names;"

"$testns" run -- sh -c "$note exit 3"
check "exit status passed through" test $? -eq 3
"$testns" run -- sh -c "$note kill -KILL \$\$"
check "death by signal is 128+N" test $? -eq 137

"$testns" run -- sh -c 'echo "$SF_TESTNS"; ip -br link; readlink /proc/self/ns/net' >"$tmp/inside"
name=$(sed -n 1p "$tmp/inside")
check "SF_TESTNS names the namespace" grep -q '^sf-test-' <<<"$name"
check "only lo inside, and up" test "$(sed -n 2p "$tmp/inside" | awk '{print $1, $2}')" = "lo UNKNOWN"
check "only one interface" test "$(wc -l <"$tmp/inside")" -eq 3
check "another namespace than ours" test "$(sed -n 3p "$tmp/inside")" != "$(readlink /proc/self/ns/net)"
check "namespace deleted" test ! -e "/run/netns/$name"

"$testns" run -- sh -c "$note sleep 300 & echo \$! >$tmp/pid; exit 0"
gone_or_zombie() { ! kill -0 "$1" 2>/dev/null || ps -o stat= -p "$1" | grep -q Z; } # an init may not reap
check "process left inside is killed" gone_or_zombie "$(cat "$tmp/pid")"

"$testns" run -- sh -c "$note exec sleep 300" &
runner=$!
sleep 1
kill -TERM "$runner"
wait "$runner"
check "SIGTERM: command ended with 128+15" test $? -eq 143

"$testns" >/dev/null 2>&1
check "no command: usage error 2" test $? -eq 2
"$testns" run -- >/dev/null 2>&1
check "run without a command: 2" test $? -eq 2
"$testns" --help | grep -q 'testns run -- CMD'
check "--help" test $? -eq 0

echo "$name" >>"$tmp/names"
left_behind() { while read -r ns; do [[ -e "/run/netns/$ns" ]] && echo "$ns"; done <"$tmp/names"; }
check "5 namespaces made, none left behind" test "$(wc -l <"$tmp/names")" -eq 5 -a -z "$(left_behind)"
finish
