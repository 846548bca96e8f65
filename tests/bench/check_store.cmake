# Runs `sf-bench store` at a tiny size against a real sfstore and checks its
# JSON: the throughput figures, the latency percentiles (in order, from real
# samples), and that a healthy run counts no error reply and no conflict.
# Inputs (-D): SF_BENCH, BACKEND (mem or lmdb), SECONDS (of each run).
# With lmdb every acknowledged write is a synced commit (~9 ms here), and
# sfstore answers a client's 32 pipelined writes after all of them: a short run
# may end before the first reply, so write and commit rates are only checked
# to be numbers there; the latency client's writes (one at a time) must exist.
include(${CMAKE_CURRENT_LIST_DIR}/json_checks.cmake)
execute_process(COMMAND ${SF_BENCH} store --json --backend ${BACKEND} --guests 200 --clients 2 --seconds ${SECONDS}
                        --runs 1 --watchers 200 --watch-connections 2
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
message(STATUS "sf-bench stderr:\n${err}")
message(STATUS "sf-bench stdout: ${out}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "sf-bench store exited with ${status}")
endif()
expect_json_object("${out}")
if(BACKEND STREQUAL "mem")
  expect_positive("${out}" read_ops_s write_ops_s txn_commits_s watch_fanout_ms)
else()
  expect_positive("${out}" read_ops_s watch_fanout_ms)
  json_number(writes "${out}" write_ops_s)
  json_number(commits "${out}" txn_commits_s)
endif()
expect_zero("${out}" errors conflicts populate_errors populate_conflicts read_errors write_errors txn_errors
            txn_conflicts latency_read_errors latency_write_errors)
foreach(op read write)
  string(JSON latency GET "${out}" ${op}_latency_us)
  expect_positive("${latency}" count p50)
  expect_ascending("${latency}" p50 p90 p99 p99_9 max)
endforeach()
string(JSON backend GET "${out}" backend)
if(NOT backend STREQUAL BACKEND)
  message(FATAL_ERROR "backend '${backend}', expected '${BACKEND}'")
endif()
