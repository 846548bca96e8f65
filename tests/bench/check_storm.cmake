# Runs `sf-bench storm` against sf-fake-sfd and checks its JSON summary:
# exactly the documented keys, all numbers, and the expected counts.
# Inputs (-D): SF_BENCH, FAKE_SFD, N, PARALLEL, FAIL_EVERY, DEAD_EVERY (0 if
# empty), EXPECT_FAILED, EXPECT_STATUS, PLOT (optional SVG path), ROUNDS
# (optional: --rounds, checked against memory_rounds).
if(NOT DEAD_EVERY)
  set(DEAD_EVERY 0)
endif()
set(args storm -n ${N} --json --parallel ${PARALLEL} --sfd ${FAKE_SFD} --image ${FAKE_SFD}
    --cpu-seconds 0.5 --settle-seconds 0.2 --sfd-arg=--delay-ms=0.2 --sfd-arg=--fail-every=${FAIL_EVERY}
    --sfd-arg=--dead-every=${DEAD_EVERY})
if(ROUNDS)
  list(APPEND args --rounds ${ROUNDS})
endif()
if(PLOT)
  file(REMOVE ${PLOT})
  list(APPEND args --plot ${PLOT})
endif()
execute_process(COMMAND ${SF_BENCH} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 100)
message(STATUS "sf-bench stderr:\n${err}")
message(STATUS "sf-bench stdout: ${out}")
if(NOT status EQUAL EXPECT_STATUS)
  message(FATAL_ERROR "sf-bench storm exited with ${status}, expected ${EXPECT_STATUS}")
endif()

string(JSON type ERROR_VARIABLE json_error TYPE "${out}")
if(json_error OR NOT type STREQUAL "OBJECT")
  message(FATAL_ERROR "stdout is not one JSON object: ${json_error}")
endif()
# Numbers always; the two nullable keys are null where not read (no slabinfo
# without root; sfd's PSS is read here, since the bench starts the fake).
set(keys n created failed first_ms median_ms p99_ms last_ms max_ms total_s idle_cpu_pct idle_cpu_tick_pct
    later_rounds_failed mem_per_guest_kib mem_per_guest_kib_min mem_per_guest_kib_max memory_rounds
    sfd_pss_kib_per_guest slab_kib_per_guest sunreclaim_kib_per_guest page_tables_kib_per_guest
    sec_page_tables_kib_per_guest kernel_stack_kib_per_guest vmalloc_kib_per_guest percpu_kib_per_guest
    unexplained_kib_per_guest unexplained_kib_per_guest_min unexplained_kib_per_guest_max)
set(nullable_keys kvm_slab_kib_per_guest)
string(JSON count LENGTH "${out}")
list(LENGTH keys expected_count)
list(LENGTH nullable_keys nullable_count)
math(EXPR expected_count "${expected_count} + ${nullable_count}")
if(NOT count EQUAL expected_count)
  message(FATAL_ERROR "the JSON has ${count} keys, expected exactly: ${keys} ${nullable_keys}")
endif()
foreach(key IN LISTS keys)
  string(JSON key_type ERROR_VARIABLE key_error TYPE "${out}" ${key})
  if(key_error OR NOT key_type STREQUAL "NUMBER")
    message(FATAL_ERROR "key '${key}' missing or not a number")
  endif()
endforeach()
foreach(key IN LISTS nullable_keys)
  string(JSON key_type ERROR_VARIABLE key_error TYPE "${out}" ${key})
  if(key_error OR NOT (key_type STREQUAL "NUMBER" OR key_type STREQUAL "NULL"))
    message(FATAL_ERROR "key '${key}' missing or neither a number nor null")
  endif()
endforeach()
if(ROUNDS)
  string(JSON rounds GET "${out}" memory_rounds)
  if(NOT rounds EQUAL ROUNDS)
    message(FATAL_ERROR "memory_rounds ${rounds}, expected ${ROUNDS}")
  endif()
endif()

string(JSON n GET "${out}" n)
string(JSON created GET "${out}" created)
string(JSON failed GET "${out}" failed)
math(EXPR expected_created "${N} - ${EXPECT_FAILED}")
if(NOT n EQUAL N OR NOT created EQUAL expected_created OR NOT failed EQUAL EXPECT_FAILED)
  message(FATAL_ERROR "n ${n}, created ${created}, failed ${failed}; expected ${N}, ${expected_created}, "
                      "${EXPECT_FAILED}")
endif()
string(JSON median GET "${out}" median_ms)
string(JSON max GET "${out}" max_ms)
if(median LESS_EQUAL 0 OR max LESS median)
  message(FATAL_ERROR "implausible times: median ${median}, max ${max}")
endif()

if(PLOT)
  file(READ ${PLOT} svg LIMIT 200)
  if(NOT svg MATCHES "^<\\?xml" OR NOT svg MATCHES "<svg")
    message(FATAL_ERROR "${PLOT} is not an SVG document")
  endif()
endif()
