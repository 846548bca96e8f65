#!/usr/bin/env bash
# scripts/testhosts: up/env/exec, pings over the segment, isolation from the
# root namespace, the link rate, cutting and restoring a link under a TCP
# transfer, attach and addr, down (processes left inside, idempotent), run
# (failing command, SIGTERM), --icmp-band, usage errors.
# Usage: testhosts_test.sh PATH/TO/testhosts. Exit 0 pass, 1 fail, 77 skipped.
set -u
th=$1
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: needs root"; exit 77; }
source "$(dirname "$0")/checks.sh"
need_tools ip tc nc ping ss
P=sfth-test-$$
tmp=$(mktemp -d)
trap '"$th" down --name "$P" >/dev/null 2>&1; ip netns del "$P-guest" 2>/dev/null; rm -rf "$tmp"' EXIT
unset SF_TESTHOSTS

x() { "$th" exec --name "$P" "$@"; }                   # x WHERE -- CMD...
pings() { x "$1" -- ping -c1 -W"${3:-1}" -q "$2" >/dev/null 2>&1; } # pings WHERE ADDR [WAIT]
# pings_soon WHERE ADDR: a link just set up may drop the first packets (its
# ports settle, ARP resolves again): waits up to ~5 s for an answer.
pings_soon() { for _ in 1 2 3 4 5; do pings "$1" "$2" 1 && return 0; done; return 1; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
set_left() { ip netns list | awk '{ print $1 }' | grep -E "^$1-(h[0-9]+|seg|client)$"; }
no_set_left() { [[ -z "$(set_left "$1")" ]]; }
listening() { # listening WHERE PORT: waits up to 2 s for a TCP listener
  for _ in $(seq 40); do
    x "$1" -- ss -ltn | grep -q ":$2 " && return 0
    sleep 0.05
  done
  return 1
}
gone_or_zombie() { ! kill -0 "$1" 2>/dev/null || ps -o stat= -p "$1" | grep -q Z; }

# --- up, env, exec
"$th" up --name "$P" --rate 1gbit >"$tmp/up"
check "up" test $? -eq 0
"$th" env --name "$P" >"$tmp/env"
check "env prints what up printed" cmp -s "$tmp/up" "$tmp/env"
for line in "SF_TESTHOSTS=$P" SF_HOSTS=2 "SF_HOST1_NS=$P-h1" SF_HOST1_ADDR=10.99.0.1 "SF_HOST2_NS=$P-h2" \
  SF_HOST2_ADDR=10.99.0.2 "SF_CLIENT_NS=$P-client" SF_CLIENT_ADDR=10.99.0.100 "SF_SEG_NS=$P-seg" SF_RATE=1gbit; do
  check "env: $line" grep -qxF "$line" "$tmp/env"
done
"$th" up --name "$P" >/dev/null 2>&1
check "up refuses an existing name (1)" test $? -eq 1
check "exec: h1 holds 10.99.0.1 on br-sf" sh -c "'$th' exec --name '$P' h1 -- ip -4 -o addr show dev br-sf | grep -q ' 10.99.0.1/24 '"
check "exec: status passed through" test "$(x seg -- sh -c 'exit 5'; echo $?)" -eq 5
check "exec: up0 is a port of br-sf" sh -c "'$th' exec --name '$P' h2 -- ip -o link show dev up0 | grep -q 'master br-sf'"

# --- the segment
check "h1 -> h2" pings h1 10.99.0.2
check "h2 -> h1" pings h2 10.99.0.1
check "client -> h1" pings client 10.99.0.1
check "client -> h2" pings client 10.99.0.2
check "h2 -> client" pings h2 10.99.0.100
check "root namespace: no interface of the set" sh -c "! ip -o link | grep -Eq ': (br-sf|up0|seg)[@:]'"
check "root namespace: h1 unreachable" sh -c '! ping -c1 -W1 -q 10.99.0.1 >/dev/null 2>&1'

# --- rate: 20 MB at 1gbit take >= ~170 ms (>= 120 ms with the burst and slack),
# from the sender's start to the receiver's end
x h2 -- sh -c 'nc -l -N 5001 | wc -c' >"$tmp/got" &
listener=$!
check "listener in h2" listening h2 5001
t0=$(date +%s%N)
x h1 -- sh -c 'head -c 20000000 /dev/zero | nc -N 10.99.0.2 5001'
wait "$listener" # the sender's nc may end with data still in its socket buffer
took=$(ms_since "$t0")
echo "20 MB h1 -> h2 at 1gbit: $took ms"
check "20 MB arrived" test "$(tr -d ' ' <"$tmp/got")" = 20000000
check "1gbit: 20 MB took >= 120 ms ($took)" test "$took" -ge 120
check "1gbit: 20 MB took < 5 s ($took)" test "$took" -lt 5000

"$th" link --name "$P" h1 shape 100mbit
check "link shape: status 0" test $? -eq 0
check "link shape: h1 end" sh -c "tc -n '$P-h1' qdisc show dev up0 | grep -q 'rate 100Mbit'"
check "link shape: segment end" sh -c "tc -n '$P-seg' qdisc show dev h1 | grep -q 'rate 100Mbit'"
x h2 -- sh -c 'nc -l -N 5001 | wc -c' >"$tmp/got" &
listener=$!
listening h2 5001
t0=$(date +%s%N)
x h1 -- sh -c 'head -c 2000000 /dev/zero | nc -N 10.99.0.2 5001'
wait "$listener" # the sender's nc may end with data still in its socket buffer
took=$(ms_since "$t0")
echo "2 MB h1 -> h2 at 100mbit: $took ms"
check "100mbit: 2 MB took >= 120 ms ($took)" test "$took" -ge 120
"$th" link --name "$P" h1 shape 1gbit
"$th" link --name "$P" h1 shape 1 >/dev/null 2>&1
check "link shape with a bare number: usage error 2" test $? -eq 2

# --- cut h1's link under a slow TCP transfer (2 MB over ~2 s), restore it
x h2 -- sh -c 'nc -l -N 5002 | wc -c' >"$tmp/got" &
listener=$!
listening h2 5002
x h1 -- sh -c 'for i in $(seq 20); do head -c 100000 /dev/zero; sleep 0.1; done | nc -N 10.99.0.2 5002' &
sender=$!
sleep 0.5
"$th" link --name "$P" h1 down
check "link h1 down: status 0" test $? -eq 0
pings h1 10.99.0.2 & p1=$!
pings client 10.99.0.1 & p2=$!
pings client 10.99.0.2 & p3=$!
wait "$p1"; r1=$?; wait "$p2"; r2=$?; wait "$p3"; r3=$?
check "h1 cut: h1 cannot reach h2" test "$r1" -ne 0
check "h1 cut: client cannot reach h1" test "$r2" -ne 0
check "h1 cut: client still reaches h2" test "$r3" -eq 0
"$th" link --name "$P" h1 up
check "link h1 up: status 0" test $? -eq 0
check "link h1 up: shaping kept (h1 end)" sh -c "tc -n '$P-h1' qdisc show dev up0 | grep -q 'tbf.*rate 1Gbit'"
check "link h1 up: shaping kept (segment end)" sh -c "tc -n '$P-seg' qdisc show dev h1 | grep -q 'tbf.*rate 1Gbit'"
check "link h1 up: h1 reaches h2 again" pings_soon h1 10.99.0.2
wait "$sender"
check "transfer across the cut: sender ended well" test $? -eq 0
wait "$listener"
check "transfer across the cut: all 2 MB arrived (stalled, not reset)" test "$(tr -d ' ' <"$tmp/got")" = 2000000

# --- attach: a TAP (no process holds it: membership only), then a veth
# standing in for a TAP with a guest behind it (namespace P-guest, 10.77.0.5)
ip -n "$P-h1" tuntap add dev sfnet0 mode tap && ip -n "$P-h1" addr add 10.77.0.1/24 dev sfnet0
"$th" attach --name "$P" h1 sfnet0
check "attach TAP: status 0" test $? -eq 0
check "attach TAP: port of br-sf" sh -c "ip -n '$P-h1' -o link show dev sfnet0 | grep -q 'master br-sf'"
check "attach TAP: IPv4 flushed" test -z "$(ip -n "$P-h1" -4 -o addr show dev sfnet0)"
check "attach TAP: up" sh -c "ip -n '$P-h1' -o link show dev sfnet0 | grep -Eq '[<,]UP[,>]'"
ip netns add "$P-guest" &&
  ip link add gw0 netns "$P-h1" type veth peer name eth0 netns "$P-guest" &&
  ip -n "$P-guest" addr add 10.77.0.5/24 dev eth0 && ip -n "$P-guest" link set eth0 up &&
  ip -n "$P-h1" addr add 10.77.0.1/24 dev gw0
"$th" attach --name "$P" h1 gw0
check "attach veth: status 0" test $? -eq 0
check "attach veth: IPv4 flushed" test -z "$(ip -n "$P-h1" -4 -o addr show dev gw0)"
check "client without an address in 10.77.0.0/24: no route to the guest" sh -c "! '$th' exec --name '$P' client -- ping -c1 -W1 -q 10.77.0.5 >/dev/null 2>&1"
"$th" addr --name "$P" client 10.77.0.250/24
check "addr client: status 0" test $? -eq 0
check "client -> guest behind h1 (L2 over the segment)" pings client 10.77.0.5 2
"$th" attach --name "$P" h1 nosuch 2>/dev/null
check "attach of a missing interface: 1" test $? -eq 1
"$th" exec --name "$P" h3 -- true 2>/dev/null
check "exec in a host that does not exist: 2" test $? -eq 2

# --- down: kills what is left inside, removes everything, idempotent
x h2 -- sleep 300 &
sleeper=$!
sleep 0.3
"$th" down --name "$P"
check "down: status 0" test $? -eq 0
check "down: no namespace of the set left" no_set_left "$P"
check "down: process left inside killed" gone_or_zombie "$sleeper"
wait "$sleeper" 2>/dev/null
ip netns del "$P-guest" 2>/dev/null
"$th" down --name "$P"
check "down again: status 0" test $? -eq 0
"$th" env --name "$P" >/dev/null 2>&1
check "env of a set that is gone: 1" test $? -eq 1

# --- run
"$th" run --hosts 3 -- sh -c 'echo "$SF_TESTHOSTS $SF_HOSTS $SF_HOST3_ADDR"; exit 3' >"$tmp/run"
check "run: command's status (3)" test $? -eq 3
read -r run_name run_hosts run_addr <"$tmp/run"
check "run: environment (SF_TESTHOSTS, SF_HOSTS, SF_HOST3_ADDR)" test "${run_name:0:5} $run_hosts $run_addr" = "sfth- 3 10.99.0.3"
check "run: set removed after a failing command" no_set_left "$run_name"
"$th" run -- sh -c "'$th' exec h1 -- ping -c1 -W1 -q \"\$SF_HOST2_ADDR\" >/dev/null"
check "run: commands inside find the set through SF_TESTHOSTS" test $? -eq 0

"$th" run -- sleep 300 &
runner=$!
for _ in $(seq 60); do
  [[ -n "$(set_left "sfth-$runner")" ]] && break
  sleep 0.05
done
sleep 0.2
kill -TERM "$runner"
wait "$runner"
check "run, SIGTERM: command ended with 128+15" test $? -eq 143
check "run, SIGTERM: set removed" no_set_left "sfth-$runner"

# --- --icmp-band: ICMP in an htb class of its own, kept by link shape
Q=sfth-tb-$$
trap '"$th" down --name "$P" >/dev/null 2>&1; "$th" down --name "$Q" >/dev/null 2>&1; ip netns del "$P-guest" 2>/dev/null; rm -rf "$tmp"' EXIT
"$th" up --name "$Q" --rate 100mbit --icmp-band >"$tmp/band"
check "up --icmp-band" test $? -eq 0
check "env: SF_ICMP_BAND=1" grep -qxF SF_ICMP_BAND=1 "$tmp/band"
"$th" exec --name "$Q" client -- ping -c3 -i0.2 -W1 -q 10.99.0.1 >/dev/null 2>&1
check "--icmp-band: client -> h1" test $? -eq 0
check "--icmp-band: the pings went through the ICMP class" \
  sh -c "tc -n '$Q-seg' -s class show dev h1 | grep -A1 'class htb 1:10 ' | grep -Eq 'Sent [1-9][0-9]* bytes [1-9]'"
"$th" link --name "$Q" h1 shape 1gbit
check "--icmp-band: link shape keeps the band" sh -c "tc -n '$Q-h1' class show dev up0 | grep -q 'class htb 1:10 .*ceil 1Gbit'"
"$th" down --name "$Q"
"$th" up --name "$Q" --icmp-band=1 >/dev/null 2>&1
check "--icmp-band takes no value: 2" test $? -eq 2

# --- usage
"$th" >/dev/null 2>&1
check "no command: usage error 2" test $? -eq 2
"$th" up --rate 10 >/dev/null 2>&1
check "rate without a unit: 2" test $? -eq 2
"$th" up --hosts 0 >/dev/null 2>&1
check "--hosts 0: 2" test $? -eq 2
"$th" down >/dev/null 2>&1
check "down without --name or SF_TESTHOSTS: 2" test $? -eq 2
"$th" run -- >/dev/null 2>&1
check "run without a command: 2" test $? -eq 2
"$th" --help | grep -q 'testhosts run'
check "--help" test $? -eq 0

finish
