// Writes of the plain-TCP drivers (MQTT, XMPP): one async_write in flight per connection, and
// whatever is appended to `pending` meanwhile leaves together in the next one, so a burst of small
// packets costs one system call. Owns the two buffers; not the socket.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <utility>

namespace hush::bench {

template <class Buffer>
class CoalescingWriter {
 public:
  // Append here, then flush().
  Buffer pending;

  bool writing() const { return writing_; }

  // Starts writing everything pending to `socket` unless a write is in flight; when it completes,
  // writes what was appended meanwhile. `stopped` is read at each completion (nothing more happens
  // once it is set); `on_error(what)` runs when a write fails. The writer, the socket and `stopped`
  // must outlive the pending write.
  template <class OnError>
  void flush(boost::asio::ip::tcp::socket& socket, const bool& stopped, OnError on_error) {
    if (writing_ || pending.empty() || stopped) return;
    writing_ = true;
    std::swap(pending, in_flight_);
    boost::asio::async_write(socket, boost::asio::buffer(in_flight_),
                             [this, &socket, &stopped, on_error](boost::system::error_code ec, std::size_t) {
                               if (stopped) return;
                               if (ec) return on_error("write: " + ec.message());
                               writing_ = false;
                               in_flight_.clear();
                               flush(socket, stopped, on_error);
                             });
  }

 private:
  Buffer in_flight_;
  bool writing_ = false;
};

}  // namespace hush::bench
