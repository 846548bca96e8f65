# sfstore-lmdb: the durable back-end on LMDB (LmdbBackend) and open_backend(),
# which picks a back-end by name ("mem", "lmdb").
find_package(PkgConfig REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)

add_library(sfstore-lmdb STATIC
  lmdb_record.cpp
  lmdb_txn.cpp
  lmdb_backend.cpp
  backend_factory.cpp
)
target_link_libraries(sfstore-lmdb PUBLIC sfstore-core PkgConfig::LMDB)
