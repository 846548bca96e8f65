#!/usr/bin/env bash
# sf-hostnet inside a private namespace (run under scripts/testns): it comes
# up on its TAP and answers ping (ICMP), UDP echo (port 7) and HTTP (port 80)
# with the guests' stack and apps; SIGTERM ends it with status 0.
# Usage: testns run -- hostnet_test.sh PATH/TO/sf-hostnet. Exit 0/1/77.
set -u
hostnet=$1
[[ -n "${SF_TESTNS:-}" ]] || { echo "SKIPPED: run me under scripts/testns"; exit 77; }
source "$(dirname "$0")/checks.sh"
need_tools ping nc curl
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$hostnet" --tap sfhn0 --host-address 10.79.0.1/24 >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q ready "$log" && break; sleep 0.1; done
check "ready line" grep -q 'ready: TAP sfhn0 at 10.79.0.1/24, stack at 10.79.0.2' "$log"
check "TAP has its address" sh -c "ip -br addr show sfhn0 | grep -q 10.79.0.1/24"
check "no IPv6 on the TAP" test "$(cat /proc/sys/net/ipv6/conf/sfhn0/disable_ipv6 2>/dev/null || echo 1)" = 1
check "ping" ping -q -n -c 3 -i 0.05 -W 1 10.79.0.2 >/dev/null
check "udp echo" test "$(echo superfluid | nc -u -w 1 10.79.0.2 7)" = superfluid
check "http GET /" sh -c "curl -s -m 2 http://10.79.0.2/ | grep -q superfluid"
check "http GET /stats" sh -c "curl -s -m 2 http://10.79.0.2/stats | grep -q hits"
kill -TERM $pid
wait $pid
check "SIGTERM: status 0" test $? -eq 0
check "counters printed" grep -q 'icmp echo replies 3' "$log"
finish "$log"
