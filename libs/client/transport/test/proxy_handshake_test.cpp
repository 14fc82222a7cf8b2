// The SOCKS5 and HTTP CONNECT handshakes over a scripted stream: the exact bytes sent (RFC 1928,
// RFC 1929, RFC 9110), replies cut anywhere, refusals with their codes, garbage, over-long heads,
// and that nothing past a reply is read.
#include "proxy_handshake.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace hush::client::proxy {
namespace {

// Serves `input` in reads of at most `chunk` bytes, then reports the end of the stream; records
// what is written.
class ScriptedStream final : public ByteStream {
 public:
  explicit ScriptedStream(Bytes input, std::size_t chunk = SIZE_MAX) : input_(std::move(input)), chunk_(chunk) {}

  Result<void, TransportError> write(ByteView bytes) override {
    append(written, bytes);
    return {};
  }
  Result<std::size_t, TransportError> read_some(MutableByteView out) override {
    if (read_ == input_.size()) return fail(TransportError::kProxyProtocol);
    const std::size_t size = std::min({out.size(), input_.size() - read_, chunk_});
    std::copy_n(input_.begin() + static_cast<std::ptrdiff_t>(read_), size, out.begin());
    read_ += size;
    return size;
  }
  std::size_t read() const { return read_; }

  Bytes written;

 private:
  Bytes input_;
  std::size_t chunk_;
  std::size_t read_ = 0;
};

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (const int value : values) out.push_back(static_cast<std::uint8_t>(value));
  return out;
}

const ProxySettings kSocks{ProxySettings::kSocks5, "127.0.0.1", 9050, "", ""};
const ProxySettings kHttp{ProxySettings::kHttpConnect, "127.0.0.1", 3128, "", ""};
// A successful CONNECT reply bound to 10.0.0.1:8080.
const Bytes kSocksSuccess = bytes_of({5, 0, 0, 1, 10, 0, 0, 1, 0x1F, 0x90});

TEST(Socks5Handshake, SendsTheNameForTheProxyToResolve) {
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{3}, SIZE_MAX}) {
    ScriptedStream stream(concat(bytes_of({5, 0}), kSocksSuccess), chunk);
    ASSERT_TRUE(socks5_connect(stream, kSocks, "localhost", 443).ok()) << chunk;
    const Bytes expected = concat(bytes_of({5, 1, 0}),  // no authentication only
                                  bytes_of({5, 1, 0, 3, 9}), as_bytes("localhost"), bytes_of({0x01, 0xBB}));
    EXPECT_EQ(stream.written, expected);
    EXPECT_EQ(stream.read(), 2 + kSocksSuccess.size());
  }
}

TEST(Socks5Handshake, SendsAddressLiteralsAsAddresses) {
  ScriptedStream v4(concat(bytes_of({5, 0}), kSocksSuccess));
  ASSERT_TRUE(socks5_connect(v4, kSocks, "192.0.2.5", 7443).ok());
  EXPECT_EQ(Bytes(v4.written.begin() + 3, v4.written.end()), bytes_of({5, 1, 0, 1, 192, 0, 2, 5, 0x1D, 0x13}));

  ScriptedStream v6(concat(bytes_of({5, 0}), kSocksSuccess));
  ASSERT_TRUE(socks5_connect(v6, kSocks, "2001:db8::1", 1).ok());
  EXPECT_EQ(Bytes(v6.written.begin() + 3, v6.written.end()),
            bytes_of({5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
}

TEST(Socks5Handshake, ReadsEveryBoundAddressTypeAndNothingAfter) {
  const Bytes after = to_bytes("TLS?");
  for (const Bytes& reply : {kSocksSuccess, concat(bytes_of({5, 0, 0, 3, 4}), as_bytes("host"), bytes_of({0, 80})),
                             concat(bytes_of({5, 0, 0, 4}), Bytes(16, 0xAB), bytes_of({0, 80}))}) {
    ScriptedStream stream(concat(bytes_of({5, 0}), reply, after), 7);
    ASSERT_TRUE(socks5_connect(stream, kSocks, "localhost", 443).ok());
    EXPECT_EQ(stream.read(), 2 + reply.size());
  }
}

TEST(Socks5Handshake, OffersOnlyUsernamePasswordWhenGivenCredentials) {
  const ProxySettings proxy{ProxySettings::kSocks5, "127.0.0.1", 9050, "circuit-7", "x"};
  ScriptedStream stream(concat(bytes_of({5, 2}), bytes_of({1, 0}), kSocksSuccess));
  ASSERT_TRUE(socks5_connect(stream, proxy, "localhost", 443).ok());
  const Bytes greeting_and_auth =
      concat(bytes_of({5, 1, 2}), bytes_of({1, 9}), as_bytes("circuit-7"), bytes_of({1}), as_bytes("x"));
  EXPECT_EQ(Bytes(stream.written.begin(), stream.written.begin() + greeting_and_auth.size()), greeting_and_auth);
}

TEST(Socks5Handshake, AuthenticationFailures) {
  const ProxySettings proxy{ProxySettings::kSocks5, "127.0.0.1", 9050, "u", "wrong"};
  ScriptedStream refused(concat(bytes_of({5, 2}), bytes_of({1, 1})));
  auto result = socks5_connect(refused, proxy, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyAuthFailed);
  EXPECT_EQ(result.error().reply, 1);

  ScriptedStream no_method(bytes_of({5, 0xFF}));  // the proxy wants credentials we do not have
  result = socks5_connect(no_method, kSocks, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyAuthFailed);
  EXPECT_EQ(result.error().reply, 0xFF);

  // A proxy picking "no authentication" when we offered only credentials would drop them.
  ScriptedStream other_method(bytes_of({5, 0}));
  result = socks5_connect(other_method, proxy, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyProtocol);

  ScriptedStream wrong_version(concat(bytes_of({5, 2}), bytes_of({5, 0})));
  result = socks5_connect(wrong_version, proxy, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyProtocol);
}

TEST(Socks5Handshake, RefusalKeepsTheReplyCodeFromTwoBytes) {
  for (const int code : {1, 2, 3, 4, 5, 6, 7, 8, 0xF0, 0xF6}) {
    ScriptedStream stream(concat(bytes_of({5, 0}), bytes_of({5, code})));  // then the proxy hangs up
    auto result = socks5_connect(stream, kSocks, "localhost", 443);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().error, TransportError::kProxyRefused);
    EXPECT_EQ(result.error().reply, code);
  }
}

TEST(Socks5Handshake, GarbageAndShortRepliesAreProtocolErrors) {
  for (const Bytes& input : {
           to_bytes("HTTP/1.1 400 Bad Request\r\n\r\n"),
           bytes_of({4, 0}),                                            // SOCKS4's version
           bytes_of({5}),                                               // then the end of the stream
           concat(bytes_of({5, 0}), bytes_of({4, 0, 0, 1})),            // reply of another version
           concat(bytes_of({5, 0}), bytes_of({5, 0, 0, 2})),            // unknown address type
           concat(bytes_of({5, 0}), bytes_of({5, 0, 0, 3, 0, 0, 80})),  // empty name
           concat(bytes_of({5, 0}), bytes_of({5, 0, 0, 1, 127, 0})),    // cut short
           Bytes{},
       }) {
    ScriptedStream stream(input);
    auto result = socks5_connect(stream, kSocks, "localhost", 443);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().error, TransportError::kProxyProtocol);
  }
}

TEST(Socks5Handshake, RefusesMalformedArgumentsBeforeSending) {
  ScriptedStream stream(concat(bytes_of({5, 0}), kSocksSuccess));
  EXPECT_EQ(socks5_connect(stream, kSocks, "bad host", 443).error().error, TransportError::kInvalidArgument);
  EXPECT_EQ(socks5_connect(stream, kSocks, "localhost", 0).error().error, TransportError::kInvalidArgument);
  const ProxySettings no_password{ProxySettings::kSocks5, "127.0.0.1", 9050, "u", ""};
  EXPECT_EQ(socks5_connect(stream, no_password, "localhost", 443).error().error, TransportError::kInvalidArgument);
  EXPECT_TRUE(stream.written.empty());
}

Bytes text(std::string_view value) {
  return Bytes(value.begin(), value.end());
}

TEST(HttpConnectHandshake, SendsConnectAndHost) {
  ScriptedStream stream(text("HTTP/1.1 200 Connection established\r\n\r\n"));
  ASSERT_TRUE(http_connect(stream, kHttp, "localhost", 7443).ok());
  EXPECT_EQ(hush::to_string(stream.written), "CONNECT localhost:7443 HTTP/1.1\r\nHost: localhost:7443\r\n\r\n");

  ScriptedStream v6(text("HTTP/1.0 200\r\n\r\n"));
  ASSERT_TRUE(http_connect(v6, kHttp, "::1", 443).ok());
  EXPECT_EQ(hush::to_string(v6.written), "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
}

TEST(HttpConnectHandshake, SendsBasicCredentials) {
  // RFC 7617 §2's example, and the three paddings of base64.
  const std::pair<ProxySettings, std::string> cases[] = {
      {{ProxySettings::kHttpConnect, "p", 1, "Aladdin", "open sesame"}, "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
      {{ProxySettings::kHttpConnect, "p", 1, "a", "b"}, "YTpi"},
      {{ProxySettings::kHttpConnect, "p", 1, "ab", "c"}, "YWI6Yw=="},
      {{ProxySettings::kHttpConnect, "p", 1, "ab", "cd"}, "YWI6Y2Q="},
  };
  for (const auto& [proxy, encoded] : cases) {
    ScriptedStream stream(text("HTTP/1.1 200 OK\r\nVia: test\r\n\r\n"));
    ASSERT_TRUE(http_connect(stream, proxy, "h.example", 443).ok());
    EXPECT_EQ(hush::to_string(stream.written),
              "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n"
              "Proxy-Authorization: Basic " +
                  encoded + "\r\n\r\n");
  }
  const ProxySettings colon{ProxySettings::kHttpConnect, "p", 1, "a:b", "c"};
  ScriptedStream stream(text("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_EQ(http_connect(stream, colon, "h.example", 443).error().error, TransportError::kInvalidArgument);
  EXPECT_TRUE(stream.written.empty());
}

TEST(HttpConnectHandshake, AcceptsAny2xxInAnyCut) {
  for (const std::string_view head : {"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 204 \r\nX: y\r\nVia:\t1.1 p\r\n\r\n",
                                      "HTTP/1.1 299 Whatever it says\r\nContent-Length: 0\r\n\r\n"}) {
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{5}, SIZE_MAX}) {
      ScriptedStream stream(text(head), chunk);
      EXPECT_TRUE(http_connect(stream, kHttp, "localhost", 443).ok()) << head << chunk;
      EXPECT_EQ(stream.read(), head.size());
    }
  }
}

TEST(HttpConnectHandshake, RefusalsKeepTheStatus) {
  const std::pair<std::string_view, int> refused[] = {
      {"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!", 403},
      {"HTTP/1.1 502 Bad Gateway\r\n\r\n", 502},
      {"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", 301},
      {"HTTP/1.1 101 Switching\r\n\r\n", 101},
  };
  for (const auto& [head, status] : refused) {
    ScriptedStream stream(text(head));
    auto result = http_connect(stream, kHttp, "localhost", 443);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().error, TransportError::kProxyRefused);
    EXPECT_EQ(result.error().reply, status);
  }
  ScriptedStream auth(text("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"));
  auto result = http_connect(auth, kHttp, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyAuthFailed);
  EXPECT_EQ(result.error().reply, 407);
}

TEST(HttpConnectHandshake, GarbageIsAProtocolErrorAsSoonAsItShows) {
  for (const std::string_view input : {
           "SSH-2.0-OpenSSH_9.2\r\n",              // decided on the first byte
           "HTTP/2 200\r\n\r\n",                   //
           "HTTP/1.1 20 OK\r\n\r\n",               // two digits
           "HTTP/1.1 2000 OK\r\n\r\n",             //
           "HTTP/1.1 099 Low\r\n\r\n",             // outside 100-599
           "HTTP/1.1 600 High\r\n\r\n",            //
           "HTTP/1.1  200 OK\r\n\r\n",             //
           "HTTP/1.1 200 OK\n\n",                  // bare LF
           "HTTP/1.1 200 OK\r\nX: y\n\r\n",        //
           "HTTP/1.1 200 OK\rX\r\n\r\n",           // bare CR
           "HTTP/1.1 200 O\x01K\r\n\r\n",          // a control character
           "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",  // not a field
           "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
           "HTTP/1.1 200 OK\r\n folded: line\r\n\r\n",
           "HTTP/1.1 200 OK\r\n",                  // then the end of the stream
           "HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01",  // bytes after the head
           "",
       }) {
    ScriptedStream stream(text(input));
    auto result = http_connect(stream, kHttp, "localhost", 443);
    ASSERT_FALSE(result.ok()) << input;
    EXPECT_EQ(result.error().error, TransportError::kProxyProtocol) << input;
  }
  // Garbage is refused without waiting for more: a proxy that sends it and then keeps silent
  // does not hold the connection until the deadline.
  ScriptedStream early(text("SSH-"));
  auto result = http_connect(early, kHttp, "localhost", 443);
  EXPECT_EQ(result.error().error, TransportError::kProxyProtocol);
  EXPECT_EQ(parse_http_connect_response(text("S")).status, ReplyParse::kMalformed);
  EXPECT_EQ(parse_http_connect_response(text("HTTP/1.1 2")).status, ReplyParse::kIncomplete);
}

TEST(HttpConnectHandshake, AHeadOverTheBoundIsRefusedAfterReadingTheBound) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  while (head.size() < kMaxHttpResponseHead) head += "X-Padding: " + std::string(60, 'a') + "\r\n";
  head += "\r\n";
  ScriptedStream stream(text(head), 1000);
  auto result = http_connect(stream, kHttp, "localhost", 443);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error, TransportError::kProxyProtocol);
  EXPECT_EQ(stream.read(), kMaxHttpResponseHead);

  // Exactly at the bound is accepted.
  std::string exact = "HTTP/1.1 200 OK\r\nX: ";
  exact += std::string(kMaxHttpResponseHead - exact.size() - 4, 'b') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), kMaxHttpResponseHead);
  ScriptedStream at_bound(text(exact));
  EXPECT_TRUE(http_connect(at_bound, kHttp, "localhost", 443).ok());
}

TEST(ProxyHandshake, DispatchesByKind) {
  ScriptedStream socks(concat(bytes_of({5, 0}), kSocksSuccess));
  EXPECT_TRUE(handshake(socks, kSocks, "localhost", 1).ok());
  ScriptedStream http(text("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_TRUE(handshake(http, kHttp, "localhost", 1).ok());
  ScriptedStream none(Bytes{});
  EXPECT_EQ(handshake(none, ProxySettings{}, "localhost", 1).error().error, TransportError::kInvalidArgument);
}

}  // namespace
}  // namespace hush::client::proxy
