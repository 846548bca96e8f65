# Runs bench/compare.py on two fixture documents and checks its output
# against the expected table, then its errors: a file that is not a document
# (status 1) and a usage error (status 2).
# Inputs (-D): PYTHON, COMPARE, DIR (tests/bench/compare).
execute_process(COMMAND ${PYTHON} ${COMPARE} ${DIR}/a.json ${DIR}/b.json RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 30)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "compare.py exited with ${status}: ${err}")
endif()
file(READ ${DIR}/expected.txt expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "compare.py printed:\n${out}\nexpected:\n${expected}")
endif()
execute_process(COMMAND ${PYTHON} ${COMPARE} ${DIR}/a.json ${DIR}/expected.txt RESULT_VARIABLE status
                OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 30)
if(NOT status EQUAL 1 OR NOT err MATCHES "expected.txt")
  message(FATAL_ERROR "a file that is not a document: status ${status}, stderr ${err}")
endif()
execute_process(COMMAND ${PYTHON} ${COMPARE} ${DIR}/a.json RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET
                TIMEOUT 30)
if(NOT status EQUAL 2)
  message(FATAL_ERROR "one argument: status ${status}, expected 2")
endif()
