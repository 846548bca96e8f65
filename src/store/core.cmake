# sfstore-core: the store's semantics (paths, permissions, Store, its
# transactions and watches) over the Backend interface, and MemBackend.
add_library(sfstore-core STATIC
  errors.cpp
  path.cpp
  permissions.cpp
  mem_backend.cpp
  working_set.cpp
  watch_registry.cpp
  store.cpp
  store_access.cpp
  store_ops.cpp
  store_transactions.cpp
  store_watches.cpp
)
find_package(Threads REQUIRED)
target_link_libraries(sfstore-core PUBLIC sfcommon Threads::Threads)
