# Sourced by the network-namespace tests of this folder: each check is a
# line "ok: ..." or "FAILED: ...", and the test ends by saying how many failed.

failures=0

# check DESCRIPTION COMMAND...: runs COMMAND, counts a failure if it fails.
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

# need_tools TOOL...: skips the test (exit 77) unless every TOOL is installed.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool not installed (scripts/deps)"; exit 77; }
  done
}

# finish [LOG]: exit 0 if no check failed, else print LOG (if given), the count, and exit 1.
finish() {
  [[ $failures -eq 0 ]] && exit 0
  [[ -n "${1:-}" ]] && cat "$1"
  echo "$failures failures"
  exit 1
}
