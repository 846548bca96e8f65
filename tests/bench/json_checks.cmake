# Helpers for the smoke tests of sf-bench's modes (check_*.cmake): checks on
# the one JSON object a mode prints with --json. Each fails the test with a
# message naming the key.

# Fails unless JSON is one object.
function(expect_json_object json)
  string(JSON type ERROR_VARIABLE json_error TYPE "${json}")
  if(json_error OR NOT type STREQUAL "OBJECT")
    message(FATAL_ERROR "stdout is not one JSON object: ${json_error}")
  endif()
endfunction()

# Sets OUT to the number at PATH... (one or more keys) in JSON; fails if missing or not a number.
function(json_number out json)
  string(JSON type ERROR_VARIABLE json_error TYPE "${json}" ${ARGN})
  if(json_error OR NOT type STREQUAL "NUMBER")
    message(FATAL_ERROR "key '${ARGN}' missing or not a number")
  endif()
  string(JSON value GET "${json}" ${ARGN})
  set(${out} ${value} PARENT_SCOPE)
endfunction()

# Fails unless each key in KEYS is a number equal to 0 in JSON.
function(expect_zero json)
  foreach(key IN LISTS ARGN)
    json_number(value "${json}" ${key})
    if(NOT value EQUAL 0)
      message(FATAL_ERROR "'${key}' is ${value} in a healthy run, expected 0")
    endif()
  endforeach()
endfunction()

# Fails unless each key in KEYS is a number > 0 in JSON.
function(expect_positive json)
  foreach(key IN LISTS ARGN)
    json_number(value "${json}" ${key})
    if(NOT value GREATER 0)
      message(FATAL_ERROR "'${key}' is ${value}, expected > 0")
    endif()
  endforeach()
endfunction()

# Fails unless the numbers at the keys of JSON (one level) never decrease, in order.
function(expect_ascending json)
  set(previous "")
  foreach(key IN LISTS ARGN)
    json_number(value "${json}" ${key})
    if(NOT previous STREQUAL "" AND value LESS previous)
      message(FATAL_ERROR "'${key}' ${value} < '${previous_key}' ${previous}: not in order (${ARGN})")
    endif()
    set(previous ${value})
    set(previous_key ${key})
  endforeach()
endfunction()
