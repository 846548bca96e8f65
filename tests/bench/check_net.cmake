# Runs `sf-bench net` at a tiny size (one run of each measurement, 1 s) and
# checks its JSON: the three sides (guest, host_ = sf-hostnet, linux_ =
# sf-linuxnet, Linux's stack) have figures, the ratios to both baselines are
# there, and a healthy run has no failed round. Needs root (network
# namespaces, TAPs): prints SKIPPED otherwise. Inputs (-D): SF_BENCH.
include(${CMAKE_CURRENT_LIST_DIR}/json_checks.cmake)
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT uid EQUAL 0)
  message("SKIPPED: sf-bench net needs root")
  return()
endif()
find_program(WRK wrk)
if(NOT WRK)
  message("SKIPPED: wrk is not installed (scripts/deps)")
  return()
endif()
execute_process(COMMAND ${SF_BENCH} net --json --runs 1 --duration 1 --ping-count 20
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
message(STATUS "sf-bench stderr:\n${err}")
message(STATUS "sf-bench stdout: ${out}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "sf-bench net exited with ${status}")
endif()
expect_json_object("${out}")
foreach(side "" host_ linux_)
  expect_positive("${out}" ${side}ping_rtt_ms ${side}udp_pps ${side}http_rps)
  expect_ascending("${out}" ${side}ping_rtt_ms ${side}ping_p90_ms)
  expect_zero("${out}" ${side}ping_failed ${side}udp_failed ${side}http_failed ${side}http_errors)
endforeach()
expect_positive("${out}" ratio_ping ratio_udp ratio_http ratio_ping_linux ratio_udp_linux ratio_http_linux)
expect_zero("${out}" failed)
