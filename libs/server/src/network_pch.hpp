// Precompiled header of the network translation units (connection.cpp, server.cpp): Asio, its
// OpenSSL context and Beast's WebSocket take most of their compile time.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
