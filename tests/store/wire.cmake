# The store's wire protocol: codec, dispatcher and socket server (store.wire), and the
# sfstore binary driven by Debian's real Xen clients, xenstore-utils and pyxs (store.clients).
add_executable(sf-store-wire-tests
  ${CMAKE_CURRENT_SOURCE_DIR}/wire_codec_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/wire_dispatch_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/wire_server_test.cpp
)
target_include_directories(sf-store-wire-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(sf-store-wire-tests PRIVATE sfstore-wire GTest::gtest_main)
add_test(NAME store.wire COMMAND sf-store-wire-tests)
set_tests_properties(store.wire PROPERTIES TIMEOUT 120)

add_executable(sf-store-clients-tests
  ${CMAKE_CURRENT_SOURCE_DIR}/clients_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/clients_pyxs_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sfstore_process.cpp
)
target_include_directories(sf-store-clients-tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(sf-store-clients-tests PRIVATE sfstore-wire GTest::gtest_main)
target_compile_definitions(sf-store-clients-tests PRIVATE SF_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
add_dependencies(sf-store-clients-tests sfstore)
add_test(NAME store.clients COMMAND sf-store-clients-tests)
set_tests_properties(store.clients PROPERTIES TIMEOUT 180)
