# store.backends: the Backend contract against every back-end (mem, lmdb) and
# what only LmdbBackend promises (reopen, long paths, corruption, kill -9).
add_executable(sf-store-backend-tests backend_conformance_test.cpp backend_lmdb_test.cpp)
target_link_libraries(sf-store-backend-tests PRIVATE sfstore-lmdb GTest::gtest_main)
add_test(NAME store.backends COMMAND sf-store-backend-tests)

# store.durability: the real sfstore --backend lmdb killed with SIGKILL while
# xenstore-write and a StoreClient write; every acknowledged key must survive.
add_executable(sf-store-durability-tests backend_durability_test.cpp)
target_link_libraries(sf-store-durability-tests PRIVATE sfstore-wire GTest::gtest_main)
target_compile_definitions(sf-store-durability-tests PRIVATE SF_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
add_dependencies(sf-store-durability-tests sfstore)
add_test(NAME store.durability COMMAND sf-store-durability-tests)
set_tests_properties(store.durability PROPERTIES TIMEOUT 120)
