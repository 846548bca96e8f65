#!/bin/sh
# A stand-in for crun in the `sf-bench storm --kind container` tests, copied
# as "crun" into a directory put first in PATH. It knows the three commands the
# storm's bare baseline runs:
#   crun --root STATE run --detach --bundle DIR ID
#       fails unless DIR/config.json exists; else leaves a child that prints
#       one line on the inherited stdout and stays up (as udpecho does), its
#       pid in STATE/ID.pid, and exits 0 (STATE: $FAKE_CRUN_STATE if set).
#   crun --root STATE delete --force ID
#       stops that child and removes STATE/ID.pid.
#   crun --root STATE state ID
#       {"id": ID, "pid": PID} of that child.
# FAKE_CRUN_FAIL_EVERY=K: every K-th run (by ID's last number + 1) fails
# with status 1 and a line on stderr. FAKE_CRUN_LOG=FILE: each delete
# appends "deleted ID" to FILE (the test counts them).
set -eu
[ "$1" = --root ] || { echo "fake crun: expected --root first" >&2; exit 2; }
state=${FAKE_CRUN_STATE:-$2}
command=$3
shift 3
mkdir -p "$state"
case $command in
run)
  [ "$1" = --detach ] && [ "$2" = --bundle ] || { echo "fake crun: usage: run --detach --bundle DIR ID" >&2; exit 2; }
  bundle=$3 id=$4
  [ -f "$bundle/config.json" ] || { echo "fake crun: no $bundle/config.json" >&2; exit 1; }
  number=$(( ${id##*-} + 1 ))
  if [ "${FAKE_CRUN_FAIL_EVERY:-0}" -gt 0 ] && [ $(( number % FAKE_CRUN_FAIL_EVERY )) -eq 0 ]; then
    echo "fake crun: failure (FAKE_CRUN_FAIL_EVERY)" >&2
    exit 1
  fi
  sh -c 'echo "fake: listening on 127.0.0.1:7"; exec sleep 300' </dev/null 2>/dev/null &
  echo $! >"$state/$id.pid"
  ;;
state)
  id=$1
  [ -f "$state/$id.pid" ] || { echo "fake crun: container $id does not exist" >&2; exit 1; }
  echo "{\"id\": \"$id\", \"pid\": $(cat "$state/$id.pid")}"
  ;;
delete)
  [ "$1" = --force ] || { echo "fake crun: usage: delete --force ID" >&2; exit 2; }
  id=$2
  if [ -f "$state/$id.pid" ]; then
    kill "$(cat "$state/$id.pid")" 2>/dev/null || true
    rm -f "$state/$id.pid"
  fi
  [ -z "${FAKE_CRUN_LOG:-}" ] || echo "deleted $id" >>"$FAKE_CRUN_LOG"
  ;;
*) echo "fake crun: unknown command $command" >&2; exit 2 ;;
esac
