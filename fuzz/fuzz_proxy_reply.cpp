// Fuzzes what a proxy answers (libs/client/transport/src/proxy_handshake). Byte 0 picks:
//   0: parse_socks5_connect_reply, 1: parse_http_connect_response, 2: the SOCKS5 method and
//   RFC 1929 replies, on the rest of the input: each decides from its own bytes, so every prefix
//   gets either "incomplete, need more than this" or the same verdict as the whole input, and an
//   accepted reply is decided again by exactly its `size` bytes;
//   3: socks5_connect, 4: http_connect, over a stream serving the rest of the input in reads of
//   at most byte 1 (+1) bytes: never a crash, an error only from the documented set, nothing read
//   past a SOCKS5 reply or past kMaxHttpResponseHead, and success only when a parser accepts
//   exactly what was read.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "proxy_handshake.hpp"

namespace {

using hush::ByteView;
using hush::client::ProxySettings;
using hush::client::TransportError;
using namespace hush::client::proxy;

bool same(const ReplyParse& a, const ReplyParse& b) {
  return a.status == b.status && a.size == b.size && a.code == b.code;
}

// Checks the prefix property of `parse` on `bytes` at the prefix lengths a byte-at-a-time reader
// would stop at (all of them up to 300, then a spread), with `bound` on what it may ask for.
template <class Parse>
void check_prefixes(ByteView bytes, Parse parse, std::size_t bound) {
  const ReplyParse whole = parse(bytes);
  HUSH_FUZZ_CHECK(whole.status != ReplyParse::kAccepted || (whole.size > 0 && whole.size <= bytes.size()));
  if (whole.status == ReplyParse::kIncomplete) HUSH_FUZZ_CHECK(whole.size > bytes.size() && whole.size <= bound);
  if (whole.status == ReplyParse::kAccepted) HUSH_FUZZ_CHECK(same(parse(bytes.first(whole.size)), whole));
  const std::size_t step = bytes.size() <= 300 ? 1 : bytes.size() / 64 + 1;
  for (std::size_t length = 0; length < bytes.size(); length += (length < 300 ? 1 : step)) {
    const ReplyParse part = parse(bytes.first(length));
    if (part.status == ReplyParse::kIncomplete) {
      HUSH_FUZZ_CHECK(part.size > length && part.size <= bound);
    } else {
      HUSH_FUZZ_CHECK(same(part, whole));
    }
  }
}

class FuzzStream final : public ByteStream {
 public:
  FuzzStream(ByteView input, std::size_t chunk) : input_(input), chunk_(chunk) {}
  hush::Result<void, TransportError> write(ByteView) override { return {}; }
  hush::Result<std::size_t, TransportError> read_some(hush::MutableByteView out) override {
    HUSH_FUZZ_CHECK(!out.empty());
    if (read_ == input_.size()) return hush::fail(TransportError::kProxyProtocol);
    const std::size_t size = std::min({out.size(), input_.size() - read_, chunk_});
    std::copy_n(input_.begin() + static_cast<std::ptrdiff_t>(read_), size, out.begin());
    read_ += size;
    return size;
  }
  std::size_t read() const { return read_; }

 private:
  ByteView input_;
  std::size_t chunk_;
  std::size_t read_ = 0;
};

bool documented(TransportError error) {
  return error == TransportError::kProxyRefused || error == TransportError::kProxyAuthFailed ||
         error == TransportError::kProxyProtocol;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: check_prefixes(input, parse_socks5_connect_reply, kMaxSocks5Reply); break;
    case 1: check_prefixes(input, parse_http_connect_response, kMaxHttpResponseHead); break;
    case 2:
      check_prefixes(
          input, [](ByteView bytes) { return parse_socks5_method_reply(bytes, false); }, 2);
      check_prefixes(
          input, [](ByteView bytes) { return parse_socks5_method_reply(bytes, true); }, 2);
      check_prefixes(input, parse_socks5_auth_reply, 2);
      break;
    case 3: {
      const bool with_credentials = (data[1] & 0x80) != 0;
      const ProxySettings proxy{ProxySettings::kSocks5, "127.0.0.1", 9050, with_credentials ? "u" : "", "p"};
      FuzzStream stream(input.subspan(1), (data[1] & 0x7F) + 1u);
      auto result = socks5_connect(stream, proxy, (data[1] & 1) != 0 ? "localhost" : "::1", 443);
      if (!result.ok()) {
        HUSH_FUZZ_CHECK(documented(result.error().error));
        break;
      }
      // Accepted: exactly a method reply, an RFC 1929 reply if credentials, and a CONNECT reply.
      const ByteView read = input.subspan(1, stream.read());
      std::size_t at = 2;
      HUSH_FUZZ_CHECK(parse_socks5_method_reply(read.first(2), with_credentials).status == ReplyParse::kAccepted);
      if (with_credentials) {
        HUSH_FUZZ_CHECK(parse_socks5_auth_reply(read.subspan(2, 2)).status == ReplyParse::kAccepted);
        at += 2;
      }
      const ReplyParse reply = parse_socks5_connect_reply(read.subspan(at));
      HUSH_FUZZ_CHECK(reply.status == ReplyParse::kAccepted && at + reply.size == read.size());
      break;
    }
    case 4: {
      const ProxySettings proxy{ProxySettings::kHttpConnect, "127.0.0.1", 3128, "", ""};
      FuzzStream stream(input.subspan(1), (data[1] & 0x7F) * 64u + 1u);
      auto result = http_connect(stream, proxy, "localhost", 443);
      HUSH_FUZZ_CHECK(stream.read() <= kMaxHttpResponseHead);
      if (!result.ok()) {
        HUSH_FUZZ_CHECK(documented(result.error().error));
        break;
      }
      const ReplyParse head = parse_http_connect_response(input.subspan(1, stream.read()));
      HUSH_FUZZ_CHECK(head.status == ReplyParse::kAccepted && head.size == stream.read());
      break;
    }
  }
  return 0;
}
