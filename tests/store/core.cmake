# store.core: the store's semantics over MemBackend (sfstore-core), no daemon.
add_executable(sf-store-core-tests
  store_path_test.cpp
  store_permissions_test.cpp
  store_ops_test.cpp
  store_access_test.cpp
  store_quota_test.cpp
  store_transaction_test.cpp
  store_watch_test.cpp
  store_scale_test.cpp
  store_concurrency_test.cpp
  mem_backend_test.cpp
)
target_include_directories(sf-store-core-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(sf-store-core-tests PRIVATE sfstore-core GTest::gtest_main)
add_test(NAME store.core COMMAND sf-store-core-tests)
