# sfstore-wire: XenStore's wire protocol (codec, dispatcher), the unix-socket
# server and a blocking client; and the sfstore binary.
add_library(sfstore-wire STATIC
  wire.cpp
  dispatch.cpp
  dispatch_domain.cpp
  watch_event_queue.cpp
  listen_socket.cpp
  server_loop.cpp
  store_server.cpp
  store_client.cpp
)
target_link_libraries(sfstore-wire PUBLIC sfstore-core)

add_executable(sfstore sfstore_main.cpp)
target_link_libraries(sfstore PRIVATE sfstore-wire sfstore-lmdb CLI11::CLI11)
