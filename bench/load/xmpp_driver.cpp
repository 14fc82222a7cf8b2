// The Prosody driver: a minimal XMPP client (RFC 6120/6121), one plain TCP c2s stream per device.
// Device i logs in as `<tag>u<i>@localhost` (accounts made beforehand by scripts/load_peers) with
// SASL PLAIN, binds a resource, sends initial presence (Prosody delivers a chat message to a bare
// JID only to resources that sent presence with priority >= 0, mod_message's top_resources) and
// waits for a ping result that proves the presence was processed. send() is a chat message whose
// body is the payload in base64; a received message's body is decoded and reported. Not owned
// here: TLS, stream management, rosters, reconnection. Stanzas are parsed with expat.
#include <expat.h>

#include <boost/asio.hpp>
#include <memory>
#include <vector>

#include "coalescing_writer.hpp"
#include "driver.hpp"

namespace hush::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view kDomain = "localhost";
// The password scripts/load_peers writes into every account it creates.
constexpr std::string_view kPassword = "load-password";
// The largest stanza (or stream header) accepted from the server, counted in bytes fed to the
// parser since the last stanza ended: bounds what expat buffers for one incomplete token and what
// the driver collects for one stanza. Prosody's own c2s_stanza_size_limit is 256 KiB.
constexpr std::size_t kMaxStanzaBytes = 1 << 20;
constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kReadChunk = 16 * 1024;

// RFC 6120 4.2: the client's opening of each stream (the first, and the one after SASL success).
std::string stream_header() {
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='" +
         std::string(kDomain) + "' version='1.0'>";
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void append_base64(std::string& out, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16 | std::uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Alphabet[(v >> shift) & 63]);
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16 | (two ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(two ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

// Strict base64 (padding required, whitespace ignored as XML may wrap it). False on anything else.
bool decode_base64(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  std::uint32_t bits = 0;
  int count = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '+')
      value = 62;
    else if (c == '/')
      value = 63;
    else if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    else if (c == '=') {
      ++padding;
      value = 0;
    } else {
      return false;
    }
    if (padding > 0 && c != '=') return false;  // data after padding
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    if (++count == 4) {
      if (padding > 2) return false;
      out.push_back(static_cast<std::uint8_t>(bits >> 16));
      if (padding < 2) out.push_back(static_cast<std::uint8_t>(bits >> 8));
      if (padding < 1) out.push_back(static_cast<std::uint8_t>(bits));
      bits = 0;
      count = 0;
    }
  }
  return count == 0;
}

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};
using ParserHandle = std::unique_ptr<XML_ParserStruct, ParserDeleter>;

// Tags and run tags become JID localparts and attribute values: keep them to a safe alphabet.
bool safe_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 64) return false;
  for (const char c : tag) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

class XmppDriver final : public Driver {
 public:
  XmppDriver(asio::io_context& io, const DriverConfig& config) : io_(io), config_(config) {}
  ~XmppDriver() override { stop(); }

  void start(std::function<void(const std::string&)> ready, std::size_t parallel) override {
    begin(std::move(ready));
    if (!safe_tag(config_.run_tag)) return report_failure("xmpp: run tag must be 1-64 of [A-Za-z0-9._-]");
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.host, ec);
    if (ec) return report_failure("xmpp: host must be an IP address: " + config_.host);
    endpoint_ = tcp::endpoint(address, config_.port);
    devices_.reserve(config_.device_count);
    for (std::size_t i = 0; i < config_.device_count; ++i) {
      devices_.push_back(std::make_unique<Device>(io_, config_.first_device + i));
      if (!devices_.back()->parser) return report_failure("xmpp: out of memory for a parser");
    }
    if (devices_.empty()) return finish_start();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, std::min(parallel, devices_.size())); ++i) connect_next();
  }

  void send(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload) override {
    if (stopped_) return;
    if (from < config_.first_device || from - config_.first_device >= devices_.size()) {
      return report_failure("xmpp: device " + std::to_string(from) + " is not owned by this driver");
    }
    Device& device = *devices_[from - config_.first_device];
    // From resource binding on; a device awaiting its ping result may already be receiving.
    if (device.state != State::kReady && device.state != State::kAwaitPresence) {
      return report_failure("xmpp: device " + std::to_string(from) + " sends before it is logged in");
    }
    device.writer.pending += "<message to='";
    device.writer.pending += username(to);
    device.writer.pending += '@';
    device.writer.pending += kDomain;
    device.writer.pending += "' type='chat'><body>";
    append_base64(device.writer.pending, payload);
    device.writer.pending += "</body></message>";
    flush(device);
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    for (auto& device : devices_) {
      boost::system::error_code ignored;
      // Politely, where it cannot interleave with a pending write: close the stream (RFC 6120 4.4).
      if (device->state == State::kReady && !device->writer.writing()) {
        constexpr std::string_view kClose = "</stream:stream>";
        device->socket.write_some(asio::buffer(kClose), ignored);
        device->socket.shutdown(tcp::socket::shutdown_both, ignored);
      }
      device->socket.close(ignored);
    }
  }

 private:
  // The login sequence, one state per awaited server stanza.
  enum class State { kConnecting, kAwaitMechanisms, kAwaitAuth, kAwaitBindFeature, kAwaitBind, kAwaitPresence, kReady };

  // What the driver keeps of the top-level stanza being parsed (depth 2: the stream is depth 1).
  struct Stanza {
    std::string name;
    std::string type;
    std::string id;
    bool plain_offered = false;  // stream:features/mechanisms/mechanism = PLAIN
    bool bind_offered = false;   // stream:features/bind
    bool has_body = false;
    std::string text;  // the message body, or the mechanism being read
    bool collecting = false;
  };

  struct Device {
    Device(asio::io_context& io, std::size_t index_in)
        : socket(io), index(index_in), parser(XML_ParserCreate("UTF-8")) {}
    tcp::socket socket;
    std::size_t index;
    ParserHandle parser;
    XmppDriver* driver = nullptr;
    State state = State::kConnecting;
    std::vector<char> in = std::vector<char>(kReadChunk);
    std::size_t depth = 0;
    std::uint64_t bytes_fed = 0;        // since the parser was (re)created
    std::uint64_t stanza_boundary = 0;  // byte index where the last stanza ended
    bool restart_stream = false;        // SASL success seen: a new parser for the new stream
    Stanza stanza;
    CoalescingWriter<std::string> writer;
  };

  std::string username(std::size_t device) const { return config_.run_tag + "u" + std::to_string(device); }

  void fail(Device& device, const std::string& what) {
    report_failure("xmpp device " + std::to_string(device.index) + ": " + what);
    boost::system::error_code ignored;
    device.socket.close(ignored);
  }

  void finish_start() { report_ready(); }

  void reset_parser(Device& device) {
    XML_ParserReset(device.parser.get(), "UTF-8");
    XML_SetUserData(device.parser.get(), &device);
    XML_SetElementHandler(device.parser.get(), &XmppDriver::on_start, &XmppDriver::on_end);
    XML_SetCharacterDataHandler(device.parser.get(), &XmppDriver::on_text);
    // The server never sends a DTD; refusing one rules out entity expansion.
    XML_SetStartDoctypeDeclHandler(device.parser.get(), &XmppDriver::on_doctype);
    device.depth = 0;
    device.bytes_fed = 0;
    device.stanza_boundary = 0;
    device.stanza = {};
  }

  void connect_next() {
    if (next_connect_ >= devices_.size() || stopped_ || failed_) return;
    Device& device = *devices_[next_connect_++];
    device.driver = this;
    reset_parser(device);
    device.socket.async_connect(endpoint_, [this, &device](boost::system::error_code ec) {
      if (stopped_) return;
      if (ec) return fail(device, "connect: " + ec.message());
      device.socket.set_option(tcp::no_delay(true), ec);
      device.state = State::kAwaitMechanisms;
      device.writer.pending += stream_header();
      flush(device);
      read(device);
    });
  }

  void flush(Device& device) {
    device.writer.flush(device.socket, stopped_, [this, &device](const std::string& what) { fail(device, what); });
  }

  void read(Device& device) {
    device.socket.async_read_some(asio::buffer(device.in),
                                  [this, &device](boost::system::error_code ec, std::size_t n) {
                                    if (stopped_) return;
                                    if (ec) return fail(device, "read: " + ec.message());
                                    if (!feed(device, n)) return;
                                    read(device);
                                  });
  }

  // Parses the n bytes just read; stanza handlers run inside. False when the connection is done.
  bool feed(Device& device, std::size_t n) {
    device.bytes_fed += n;
    const auto status = XML_Parse(device.parser.get(), device.in.data(), static_cast<int>(n), XML_FALSE);
    if (stopped_ || failed_) return false;
    if (device.restart_stream) {
      // RFC 6120 6.4.6: after SASL success both sides start a new stream on the same connection.
      // The server sends nothing more until the client's new header, so no bytes are lost here.
      device.restart_stream = false;
      reset_parser(device);
      device.writer.pending += stream_header();
      flush(device);
      return true;
    }
    if (status == XML_STATUS_ERROR) {
      return fail(device, std::string("xml: ") + XML_ErrorString(XML_GetErrorCode(device.parser.get()))), false;
    }
    if (device.bytes_fed - device.stanza_boundary > kMaxStanzaBytes) {
      return fail(device, "stanza over the size limit"), false;
    }
    return true;
  }

  static Device& device_of(void* user_data) { return *static_cast<Device*>(user_data); }

  static const char* attribute(const XML_Char** attributes, std::string_view name) {
    for (; attributes[0] != nullptr; attributes += 2) {
      if (name == attributes[0]) return attributes[1];
    }
    return nullptr;
  }

  static void on_doctype(void* user_data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    Device& device = device_of(user_data);
    XML_StopParser(device.parser.get(), XML_FALSE);
    device.driver->fail(device, "the server sent a DTD");
  }

  static void on_start(void* user_data, const XML_Char* name_chars, const XML_Char** attributes) {
    Device& device = device_of(user_data);
    const std::string_view name = name_chars;
    Stanza& stanza = device.stanza;
    ++device.depth;
    if (device.depth > kMaxDepth) {
      XML_StopParser(device.parser.get(), XML_FALSE);
      return device.driver->fail(device, "elements nested too deep");
    }
    if (device.depth == 1) {
      if (name != "stream:stream") {
        XML_StopParser(device.parser.get(), XML_FALSE);
        return device.driver->fail(device, "expected a stream, got <" + std::string(name) + ">");
      }
      device.stanza_boundary = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(device.parser.get()));
    } else if (device.depth == 2) {
      stanza = {};
      stanza.name = name;
      if (const char* type = attribute(attributes, "type")) stanza.type = type;
      if (const char* id = attribute(attributes, "id")) stanza.id = id;
    } else if (device.depth == 3) {
      if (stanza.name == "message" && name == "body" && !stanza.has_body) {
        stanza.has_body = true;
        stanza.collecting = true;
      }
      if (stanza.name == "stream:features" && name == "bind") stanza.bind_offered = true;
    } else if (device.depth == 4 && stanza.name == "stream:features" && name == "mechanism") {
      stanza.text.clear();
      stanza.collecting = true;
    }
  }

  static void on_text(void* user_data, const XML_Char* text, int length) {
    Device& device = device_of(user_data);
    if (device.stanza.collecting) device.stanza.text.append(text, static_cast<std::size_t>(length));
  }

  static void on_end(void* user_data, const XML_Char* name_chars) {
    Device& device = device_of(user_data);
    Stanza& stanza = device.stanza;
    const std::size_t depth = device.depth--;
    if (depth == 4 && stanza.collecting) {
      stanza.collecting = false;
      if (stanza.text == "PLAIN") stanza.plain_offered = true;
    } else if (depth == 3) {
      stanza.collecting = false;
    } else if (depth == 2) {
      device.stanza_boundary = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(device.parser.get()));
      if (!device.driver->handle(device)) XML_StopParser(device.parser.get(), XML_FALSE);
    } else if (depth == 1) {
      XML_StopParser(device.parser.get(), XML_FALSE);
      device.driver->fail(device, "the server closed the stream");
    }
    (void)name_chars;
  }

  // One complete top-level stanza. False when the run failed (or stopped).
  bool handle(Device& device) {
    const Stanza& stanza = device.stanza;
    if (stanza.name == "stream:error") return fail(device, "stream error"), false;
    switch (device.state) {
      case State::kConnecting: break;
      case State::kAwaitMechanisms: {
        if (stanza.name != "stream:features") break;
        if (!stanza.plain_offered) return fail(device, "the server does not offer SASL PLAIN"), false;
        // RFC 4616: authorization id (empty), authentication id, password.
        std::string credentials;
        credentials.push_back('\0');
        credentials += username(device.index);
        credentials.push_back('\0');
        credentials += kPassword;
        device.writer.pending += "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>";
        append_base64(device.writer.pending,
                      std::span(reinterpret_cast<const std::uint8_t*>(credentials.data()), credentials.size()));
        device.writer.pending += "</auth>";
        device.state = State::kAwaitAuth;
        flush(device);
        return true;
      }
      case State::kAwaitAuth:
        if (stanza.name == "failure") return fail(device, "authentication failed (does the account exist?)"), false;
        if (stanza.name != "success") break;
        device.restart_stream = true;
        device.state = State::kAwaitBindFeature;
        // Stop here: the rest of this read belongs to no stream until the parser is reset.
        XML_StopParser(device.parser.get(), XML_FALSE);
        return true;
      case State::kAwaitBindFeature:
        if (stanza.name != "stream:features") break;
        if (!stanza.bind_offered) return fail(device, "the server does not offer resource binding"), false;
        // Prosody 0.12 marks the legacy session establishment optional (RFC 6121 bis): skipped.
        device.writer.pending +=
            "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>load</resource></bind>"
            "</iq>";
        device.state = State::kAwaitBind;
        flush(device);
        return true;
      case State::kAwaitBind:
        if (stanza.name != "iq" || stanza.id != "bind") break;
        if (stanza.type != "result") return fail(device, "resource binding refused"), false;
        // Initial presence (default priority 0), then a ping whose result proves it was processed.
        device.writer.pending += "<presence/><iq type='get' id='ready' to='";
        device.writer.pending += kDomain;
        device.writer.pending += "'><ping xmlns='urn:xmpp:ping'/></iq>";
        device.state = State::kAwaitPresence;
        flush(device);
        return true;
      case State::kAwaitPresence:
        if (stanza.name == "message") return deliver(device);
        if (stanza.name != "iq" || stanza.id != "ready") break;
        if (stanza.type != "result") return fail(device, "ping refused"), false;
        device.state = State::kReady;
        ++logged_in_;
        if (logged_in_ == devices_.size()) finish_start();
        connect_next();
        return true;
      case State::kReady:
        if (stanza.name == "message") return deliver(device);
        break;
    }
    // Anything else (presence, unsolicited results) is not the driver's business.
    return true;
  }

  bool deliver(Device& device) {
    const Stanza& stanza = device.stanza;
    if (stanza.type == "error") return fail(device, "message bounced by the server"), false;
    if (!stanza.has_body) return true;  // chat states and other bodiless messages
    if (!decode_base64(stanza.text, decoded_)) return fail(device, "message body is not base64"), false;
    if (on_delivered) on_delivered(device.index, decoded_);
    return !stopped_ && !failed_;
  }

  asio::io_context& io_;
  DriverConfig config_;
  tcp::endpoint endpoint_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<std::uint8_t> decoded_;  // reused by deliver()
  std::size_t next_connect_ = 0;
  std::size_t logged_in_ = 0;
};

}  // namespace

std::unique_ptr<Driver> make_xmpp_driver(boost::asio::io_context& io, const DriverConfig& config) {
  return std::make_unique<XmppDriver>(io, config);
}

}  // namespace hush::bench
