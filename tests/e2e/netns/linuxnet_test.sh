#!/usr/bin/env bash
# sf-linuxnet inside a private namespace (run under scripts/testns): it moves
# into a namespace of its own, takes the veth peer sf-bench would give it,
# and answers ping (the kernel), UDP echo (port 7) and HTTP (port 80) with the
# guests' answers; SIGTERM ends it with status 0 and its namespace, with the
# veth pair, goes away.
# Usage: testns run -- linuxnet_test.sh PATH/TO/sf-linuxnet. Exit 0/1/77.
set -u
linuxnet=$1
[[ -n "${SF_TESTNS:-}" ]] || { echo "SKIPPED: run me under scripts/testns"; exit 77; }
source "$(dirname "$0")/checks.sh"
need_tools ping nc curl ip
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$linuxnet" --interface sflx1 --address 10.79.0.2/24 >"$log" 2>&1 &
pid=$!
ours=$(readlink /proc/self/ns/net)
for _ in $(seq 100); do
  theirs=$(readlink /proc/$pid/ns/net 2>/dev/null || true)
  [[ -n "$theirs" && "$theirs" != "$ours" ]] && break
  sleep 0.05
done
check "in a namespace of its own" test "$theirs" != "$ours"
check "veth pair made" ip link add sflx0 type veth peer name sflx1 netns $pid
ip addr add 10.79.0.1/24 dev sflx0 && ip link set sflx0 up
for _ in $(seq 100); do grep -q ready "$log" && break; sleep 0.05; done
check "ready line" grep -q 'ready: sflx1 at 10.79.0.2/24' "$log"
check "ping" sh -c "ping -q -n -c 3 -i 0.05 -W 1 10.79.0.2 >/dev/null"
check "udp echo" test "$(echo superfluid | nc -u -w 1 10.79.0.2 7)" = superfluid
page=$(curl -s -m 2 -D - http://10.79.0.2/)
check "http GET /: the guests' page" sh -c "echo '$page' | grep -q 'Served by a superfluid service'"
check "http GET /: Server header" sh -c "echo '$page' | grep -q 'Server: superfluid'"
check "http GET /nothing: 404" test "$(curl -s -m 2 -o /dev/null -w '%{http_code}' http://10.79.0.2/nothing)" = 404
check "http POST /: 405" test "$(curl -s -m 2 -o /dev/null -w '%{http_code}' -X POST http://10.79.0.2/)" = 405
check "keep-alive: two requests, one connection" \
  sh -c "curl -s -m 2 -v http://10.79.0.2/ http://10.79.0.2/ 2>&1 | grep -q 'Re-using existing connection'"
kill -TERM $pid
wait $pid
check "SIGTERM: status 0" test $? -eq 0
check "counters printed" grep -q 'udp echoed 1 (send failed 0)' "$log"
# The kernel dismantles a namespace (and its veth pair) asynchronously: wait up to 5 s.
for _ in $(seq 100); do ip link show sflx0 >/dev/null 2>&1 || break; sleep 0.05; done
check "the veth pair went with its namespace" sh -c "! ip link show sflx0 >/dev/null 2>&1"
finish "$log"
