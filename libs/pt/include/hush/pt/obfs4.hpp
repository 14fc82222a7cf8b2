// obfs4 without Tor (ARCHITECTURE.md decision 7): Debian's obfs4proxy run as a managed
// subprocess (pt-spec version 1), on the client (a local SOCKS5 port that reaches a bridge) and on
// the server (a bridge in front of a plain TCP target). Owns the child process from spawn to reap;
// does not own what goes through it (the caller's connections) or the bridge line's distribution.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/pt/pt_error.hpp"

namespace hush::pt {

class ManagedProcess;

// Debian's package; the path every option below defaults to.
inline constexpr std::string_view kDefaultObfs4Executable = "/usr/bin/obfs4proxy";

// How long a transport may take from exec to "CMETHODS DONE"/"SMETHODS DONE". obfs4proxy needs
// about 10 ms on loopback (longer on a first server start, which generates the bridge keys);
// 10 s allows for a loaded machine without hanging a caller that got a broken executable.
inline constexpr std::chrono::milliseconds kDefaultPtStartTimeout{10000};

// After our stdin pipe closes (TOR_PT_EXIT_ON_STDIN_CLOSE=1) the transport exits within
// milliseconds; after this long it gets SIGTERM, and kPtTerminateGrace after that SIGKILL.
inline constexpr std::chrono::milliseconds kPtStdinCloseGrace{2000};
inline constexpr std::chrono::milliseconds kPtTerminateGrace{1000};

// The SOCKS5 arguments (pt-spec §3.5) fit RFC 1929's two fields of 255 bytes each.
inline constexpr std::size_t kMaxSocksCredentialSize = 255;
inline constexpr std::size_t kMaxSocksArgumentsSize = 2 * kMaxSocksCredentialSize;

// An obfs4 cert: 52 bytes (node id and public key) in unpadded base64.
inline constexpr std::size_t kObfs4CertSize = 70;
// obfs4's inter-arrival-time modes: 0 off, 1 on, 2 paranoid.
inline constexpr int kMaxObfs4IatMode = 2;

struct Obfs4ClientOptions {
  // The obfs4proxy binary. A missing file is kNotInstalled.
  std::filesystem::path executable{kDefaultObfs4Executable};
  // TOR_PT_STATE_LOCATION: created 0700 when missing. Required (the client keeps nothing secret
  // there, but obfs4proxy refuses to start without one).
  std::filesystem::path state_dir;
  // Bound on the whole start-up (kStartTimeout when passed).
  std::chrono::milliseconds start_timeout = kDefaultPtStartTimeout;
  // Passes -enableLogging: obfs4proxy writes obfs4proxy.log into state_dir (addresses scrubbed,
  // as obfs4proxy does unless -unsafeLogging, which is never passed). Off by default.
  bool log_to_state_dir = false;
};

// A running obfs4proxy client: a SOCKS5 listener on loopback that takes a bridge's address as the
// CONNECT target and its cert and iat-mode as RFC 1929 credentials (obfs4_socks_credentials).
// Destroying it stops the process (close stdin, SIGTERM, SIGKILL) and reaps it. Not thread-safe;
// create it from a thread that outlives it (obfs4proxy's PR_SET_PDEATHSIG fires when the thread
// that forked it exits).
class Obfs4Client {
 public:
  static Result<std::unique_ptr<Obfs4Client>, PtFailure> start(const Obfs4ClientOptions& options);
  ~Obfs4Client();
  Obfs4Client(const Obfs4Client&) = delete;
  Obfs4Client& operator=(const Obfs4Client&) = delete;

  // Where obfs4proxy's SOCKS5 listener is (an IP literal, "127.0.0.1" in practice).
  const std::string& socks_host() const { return socks_host_; }
  std::uint16_t socks_port() const { return socks_port_; }
  // False once the process has exited (it is then reaped); the caller may start a new one.
  bool running();
  // The child's process id, for diagnostics and tests.
  int process_id() const;

 private:
  Obfs4Client(std::unique_ptr<ManagedProcess> process, std::string host, std::uint16_t port);
  std::unique_ptr<ManagedProcess> process_;
  std::string socks_host_;
  std::uint16_t socks_port_;
};

struct Obfs4ServerOptions {
  std::filesystem::path executable{kDefaultObfs4Executable};
  // TOR_PT_STATE_LOCATION: holds the bridge's keys (obfs4_state.json), so the same folder gives
  // the same cert across restarts. Created 0700 when missing. Required.
  std::filesystem::path state_dir;
  // Where the bridge listens (TOR_PT_SERVER_BINDADDR=obfs4-HOST:PORT): an IPv4 or IPv6 literal,
  // and a port; 0 lets obfs4proxy pick a free one (port() tells which).
  std::string bind_host = "127.0.0.1";
  std::uint16_t bind_port = 0;
  // Where it forwards (TOR_PT_ORPORT): the plain TCP service behind the bridge. IP literal, 1..65535.
  std::string target_host = "127.0.0.1";
  std::uint16_t target_port = 0;
  std::chrono::milliseconds start_timeout = kDefaultPtStartTimeout;
  bool log_to_state_dir = false;
};

// A running obfs4 bridge. Its cert and iat-mode are what clients need (beside host and port);
// they are public, not secrets. Same lifetime rules as Obfs4Client.
class Obfs4Server {
 public:
  static Result<std::unique_ptr<Obfs4Server>, PtFailure> start(const Obfs4ServerOptions& options);
  ~Obfs4Server();
  Obfs4Server(const Obfs4Server&) = delete;
  Obfs4Server& operator=(const Obfs4Server&) = delete;

  // The address obfs4proxy reports it listens on (the bind host, and the port it picked for 0).
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  // kObfs4CertSize base64 characters.
  const std::string& cert() const { return cert_; }
  // 0..kMaxObfs4IatMode, as the bridge announces it (from its state file).
  int iat_mode() const { return iat_mode_; }
  bool running();
  int process_id() const;

 private:
  Obfs4Server(std::unique_ptr<ManagedProcess> process, std::string host, std::uint16_t port, std::string cert,
              int iat_mode);
  std::unique_ptr<ManagedProcess> process_;
  std::string host_;
  std::uint16_t port_;
  std::string cert_;
  int iat_mode_;
};

// The RFC 1929 username and password that carry a bridge's arguments to a PT client (pt-spec §3.5).
struct SocksCredentials {
  std::string username;
  std::string password;
};

// Encodes "key=value;key=value" ('\' escapes '\', '=' and ';'). Up to kMaxSocksCredentialSize
// bytes: all in the username, the password a single NUL byte (goptlib's "no password"). Longer:
// the first 255 bytes in the username and the rest in the password (the client concatenates them).
// kInvalidArgument for an empty list, an empty key, a NUL byte, or more than kMaxSocksArgumentsSize
// encoded bytes.
Result<SocksCredentials, PtFailure> socks_credentials(
    const std::vector<std::pair<std::string, std::string>>& arguments);

// socks_credentials({{"cert", cert}, {"iat-mode", iat_mode}}); kInvalidArgument for an iat_mode
// outside 0..kMaxObfs4IatMode (the cert is not checked here: obfs4proxy refuses a bad one).
Result<SocksCredentials, PtFailure> obfs4_socks_credentials(std::string_view cert, int iat_mode);

}  // namespace hush::pt
