# sfstore-core: the store's semantics (paths, permissions, Store and its parts:
# NodeTree, Connections, Watches, Transactions, Operation, NodeOps) over the
# Backend interface, and MemBackend.
add_library(sfstore-core STATIC
  errors.cpp
  path.cpp
  permissions.cpp
  mem_backend.cpp
  working_set.cpp
  watch_registry.cpp
  node_tree.cpp
  connections.cpp
  watches.cpp
  transactions.cpp
  operation.cpp
  node_ops.cpp
  store.cpp
)
find_package(Threads REQUIRED)
target_link_libraries(sfstore-core PUBLIC sfcommon Threads::Threads)
