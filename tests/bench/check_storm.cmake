# Runs `sf-bench storm` against sf-fake-sfd and checks its JSON summary:
# exactly the documented keys, all numbers, and the expected counts.
# Inputs (-D): SF_BENCH, FAKE_SFD, N, PARALLEL, FAIL_EVERY, DEAD_EVERY (0 if
# empty), EXPECT_FAILED, EXPECT_STATUS, PLOT (optional SVG path), ROUNDS
# (optional: --rounds, checked against memory_rounds).
# With KIND=container: --kind container --rootfs ROOTFS, the container keys
# too, bare_runtime_runs == N and bare_runtime_failed == EXPECT_BARE_FAILED;
# FAKE_CRUN_DIR (optional) is put first in PATH (fake_crun.sh as "crun"),
# with BARE_FAIL_EVERY as its FAKE_CRUN_FAIL_EVERY, and then every bare
# container must have been deleted (its log) with none left running (its
# state); NO_POOL passes --no-pool (the fake then insists on
# --container-pool 0); COMPARE_VM passes --compare-vm (and expects vm_*).
if(NOT DEAD_EVERY)
  set(DEAD_EVERY 0)
endif()
set(args storm -n ${N} --json --parallel ${PARALLEL} --sfd ${FAKE_SFD} --image ${FAKE_SFD}
    --cpu-seconds 0.5 --settle-seconds 0.2 --sfd-arg=--delay-ms=0.2 --sfd-arg=--fail-every=${FAIL_EVERY}
    --sfd-arg=--dead-every=${DEAD_EVERY})
if(ROUNDS)
  list(APPEND args --rounds ${ROUNDS})
endif()
set(env_args)
if(KIND STREQUAL "container")
  list(APPEND args --kind container --rootfs ${ROOTFS})
  if(NO_POOL)
    list(APPEND args --no-pool --sfd-arg=--expect-container-pool=0)
  else()
    list(APPEND args --sfd-arg=--expect-container-pool=-1) # not passed: no --net, none asked for
  endif()
  if(COMPARE_VM)
    list(APPEND args --compare-vm)
  endif()
  if(FAKE_CRUN_DIR)
    set(crun_log ${FAKE_CRUN_DIR}/deleted.log)
    file(REMOVE ${crun_log})
    file(REMOVE_RECURSE ${FAKE_CRUN_DIR}/state)
    list(APPEND env_args "PATH=${FAKE_CRUN_DIR}:$ENV{PATH}" FAKE_CRUN_FAIL_EVERY=${BARE_FAIL_EVERY}
         FAKE_CRUN_LOG=${crun_log} FAKE_CRUN_STATE=${FAKE_CRUN_DIR}/state)
  endif()
endif()
if(PLOT)
  file(REMOVE ${PLOT})
  list(APPEND args --plot ${PLOT})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env_args} ${SF_BENCH} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
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
set(keys n created failed first_ms median_ms p99_ms last_ms max_ms total_s destroy_s destroy_ms_per_guest
    idle_cpu_pct idle_cpu_tick_pct
    later_rounds_failed mem_per_guest_kib mem_per_guest_kib_min mem_per_guest_kib_max memory_rounds
    sfd_pss_kib_per_guest slab_kib_per_guest sunreclaim_kib_per_guest page_tables_kib_per_guest
    sec_page_tables_kib_per_guest kernel_stack_kib_per_guest vmalloc_kib_per_guest percpu_kib_per_guest
    unexplained_kib_per_guest unexplained_kib_per_guest_min unexplained_kib_per_guest_max)
set(nullable_keys kvm_slab_kib_per_guest idle_cpu_pct_before sfd_cpu_pct)
set(string_keys)
if(KIND STREQUAL "container")
  list(APPEND keys bare_runtime_runs bare_runtime_failed bare_runtime_median_ms bare_runtime_p90_ms
       bare_runtime_min_ms bare_runtime_max_ms)
  list(APPEND nullable_keys ratio_container_bare container_pool)
  list(APPEND string_keys kind runtime)
  if(COMPARE_VM)
    list(APPEND keys vm_created vm_failed vm_median_ms)
    list(APPEND nullable_keys ratio_vm_container)
  endif()
endif()
string(JSON count LENGTH "${out}")
list(LENGTH keys expected_count)
list(LENGTH nullable_keys nullable_count)
list(LENGTH string_keys string_count)
math(EXPR expected_count "${expected_count} + ${nullable_count} + ${string_count}")
if(NOT count EQUAL expected_count)
  message(FATAL_ERROR "the JSON has ${count} keys, expected exactly: ${keys} ${nullable_keys} ${string_keys}")
endif()
foreach(key IN LISTS string_keys)
  string(JSON key_type ERROR_VARIABLE key_error TYPE "${out}" ${key})
  if(key_error OR NOT key_type STREQUAL "STRING")
    message(FATAL_ERROR "key '${key}' missing or not a string")
  endif()
endforeach()
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

if(KIND STREQUAL "container")
  string(JSON kind GET "${out}" kind)
  string(JSON pool GET "${out}" container_pool) # null: "" here
  string(JSON runs GET "${out}" bare_runtime_runs)
  string(JSON bare_failed GET "${out}" bare_runtime_failed)
  if(NO_POOL)
    set(expected_pool 0) # passed as --container-pool 0
  else()
    set(expected_pool "") # null: not passed without --net
  endif()
  if(NOT kind STREQUAL "container" OR NOT pool STREQUAL expected_pool OR NOT runs EQUAL N
     OR NOT bare_failed EQUAL EXPECT_BARE_FAILED)
    message(FATAL_ERROR "kind ${kind}, container_pool ${pool}, bare_runtime_runs ${runs}, bare_runtime_failed "
                        "${bare_failed}; expected container, ${expected_pool}, ${N}, ${EXPECT_BARE_FAILED}")
  endif()
  string(JSON bare_median GET "${out}" bare_runtime_median_ms)
  string(JSON ratio_type TYPE "${out}" ratio_container_bare)
  if(bare_failed LESS N AND (bare_median LESS_EQUAL 0 OR NOT ratio_type STREQUAL "NUMBER"))
    message(FATAL_ERROR "bare runs succeeded but bare_runtime_median_ms ${bare_median}, ratio ${ratio_type}")
  endif()
  if(COMPARE_VM)
    string(JSON vm_created GET "${out}" vm_created)
    if(NOT vm_created EQUAL N)
      message(FATAL_ERROR "vm_created ${vm_created}, expected ${N}")
    endif()
  endif()
  if(NOT FAKE_CRUN_DIR)
    # The real runtime: no process left of the bare containers (their root is host uid 300000).
    execute_process(COMMAND ps -o pid=,args= -u 300000 OUTPUT_VARIABLE left_processes)
    if(left_processes)
      message(FATAL_ERROR "bare containers left running:\n${left_processes}")
    endif()
  endif()
  if(FAKE_CRUN_DIR)
    # Every bare container deleted, failed ones included, and none left running.
    file(STRINGS ${crun_log} deleted REGEX "^deleted ")
    list(LENGTH deleted deleted_count)
    file(GLOB left ${FAKE_CRUN_DIR}/state/*.pid)
    if(NOT deleted_count EQUAL N OR left)
      message(FATAL_ERROR "${deleted_count} bare containers deleted (expected ${N}); still running: ${left}")
    endif()
  endif()
endif()
