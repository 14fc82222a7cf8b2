// Obfs4Client and Obfs4Server (obfs4.hpp): the environment pt-spec version 1 §3.2 asks for, and the
// start-up dialogue of §3.3 (VERSION, then CMETHOD/SMETHOD lines, then "… DONE") read within
// start_timeout. What the lines say is checked here; their syntax in pt_line.cpp.
#include <algorithm>
#include <system_error>

#include "hush/pt/obfs4.hpp"
#include "hush/pt/pt_line.hpp"
#include "managed_process.hpp"

namespace hush::pt {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kTransport = "obfs4";
constexpr std::string_view kProxyType = "socks5";
constexpr int kManagedTransportVersion = 1;

enum class Side { kClient, kServer };

PtFailure failure(PtError error, std::string message) {
  return PtFailure{error, std::move(message)};
}

// Checks what both sides share and prepares the state folder (0700: it holds the bridge's keys).
Result<std::vector<std::string>, PtFailure> common_environment(const std::filesystem::path& executable,
                                                               const std::filesystem::path& state_dir,
                                                               std::chrono::milliseconds start_timeout) {
  std::error_code error;
  if (!std::filesystem::exists(executable, error)) {
    return fail(failure(PtError::kNotInstalled, "obfs4proxy not installed: apt-get install obfs4proxy (no file at " +
                                                    executable.string() + ")"));
  }
  if (state_dir.empty()) return fail(failure(PtError::kInvalidArgument, "state_dir is empty"));
  if (start_timeout <= std::chrono::milliseconds::zero()) {
    return fail(failure(PtError::kInvalidArgument, "start_timeout is not positive"));
  }
  const std::filesystem::path absolute = std::filesystem::absolute(state_dir, error);
  if (!error) std::filesystem::create_directories(absolute, error);
  if (!error) std::filesystem::permissions(absolute, std::filesystem::perms::owner_all, error);
  if (error) return fail(failure(PtError::kStateDirFailed, absolute.string() + ": " + error.message()));
  return std::vector<std::string>{
      "TOR_PT_MANAGED_TRANSPORT_VER=" + std::to_string(kManagedTransportVersion),
      "TOR_PT_STATE_LOCATION=" + absolute.string(),
      "TOR_PT_EXIT_ON_STDIN_CLOSE=1",
  };
}

Result<std::unique_ptr<ManagedProcess>, PtFailure> spawn(const std::filesystem::path& executable, bool log,
                                                         std::vector<std::string> environment) {
  ProcessSpec spec;
  spec.executable = executable.string();
  if (log) spec.arguments.push_back("-enableLogging");
  spec.environment = std::move(environment);
  spec.stdin_close_grace = kPtStdinCloseGrace;
  spec.terminate_grace = kPtTerminateGrace;
  return ManagedProcess::spawn(spec);
}

// Reads the start-up lines until "CMETHODS DONE" (client) or "SMETHODS DONE" (server) and returns
// the one obfs4 method line. Errors the transport reports end the dialogue at once; so does any
// line out of order. LOG, STATUS and unknown keywords are skipped (pt-spec: ignore them).
Result<PtLine, PtFailure> read_start_up(ManagedProcess& process, Side side, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const bool client = side == Side::kClient;
  const auto method_kind = client ? PtLineKind::kClientMethod : PtLineKind::kServerMethod;
  const auto method_error_kind = client ? PtLineKind::kClientMethodError : PtLineKind::kServerMethodError;
  const auto done_kind = client ? PtLineKind::kClientMethodsDone : PtLineKind::kServerMethodsDone;
  const std::string done_text = client ? "CMETHODS DONE" : "SMETHODS DONE";
  bool have_version = false;
  std::optional<PtLine> method;
  std::string text;
  while (true) {
    switch (process.read_line(deadline, kMaxPtLineSize, text)) {
      case ManagedProcess::ReadStatus::kLine: break;
      case ManagedProcess::ReadStatus::kEnd:
        return fail(failure(PtError::kExitedEarly, "the transport exited before " + done_text));
      case ManagedProcess::ReadStatus::kTimeout:
        return fail(
            failure(PtError::kStartTimeout, "no " + done_text + " within " + std::to_string(timeout.count()) + " ms"));
      case ManagedProcess::ReadStatus::kTooLong:
        return fail(failure(PtError::kProtocolError, "a line over " + std::to_string(kMaxPtLineSize) + " bytes"));
      case ManagedProcess::ReadStatus::kFailed:
        return fail(failure(PtError::kSpawnFailed, "reading the transport's stdout failed"));
    }
    auto parsed = parse_pt_line(text);
    if (!parsed) return fail(failure(PtError::kProtocolError, "a malformed line"));
    PtLine& line = *parsed;
    const PtLineKind kind = line.kind;
    if (kind == PtLineKind::kLog || kind == PtLineKind::kStatus || kind == PtLineKind::kUnknown) continue;
    if (kind == PtLineKind::kVersionError) return fail(failure(PtError::kVersionError, line.message));
    if (kind == PtLineKind::kEnvError) return fail(failure(PtError::kEnvError, line.message));
    if (kind == PtLineKind::kVersion) {
      if (have_version) return fail(failure(PtError::kProtocolError, "VERSION twice"));
      if (line.version != kManagedTransportVersion) {
        return fail(failure(PtError::kVersionError, "the transport chose version " + std::to_string(line.version)));
      }
      have_version = true;
      continue;
    }
    if (!have_version) return fail(failure(PtError::kProtocolError, "a method line before VERSION"));
    if (kind == method_error_kind) {
      if (line.method != kTransport) return fail(failure(PtError::kProtocolError, "an error for another transport"));
      return fail(failure(PtError::kMethodError, line.message));
    }
    if (kind == method_kind) {
      if (line.method != kTransport || method) {
        return fail(failure(PtError::kProtocolError, "a method we did not ask for, or obfs4 twice"));
      }
      if (client && line.proxy_type != kProxyType) {
        return fail(failure(PtError::kProtocolError, "obfs4 offered as " + line.proxy_type + ", not socks5"));
      }
      method = std::move(line);
      continue;
    }
    if (kind == done_kind) {
      if (!method) return fail(failure(PtError::kProtocolError, done_text + " without an obfs4 method"));
      return std::move(*method);
    }
    return fail(
        failure(PtError::kProtocolError, client ? "a server line from a client" : "a client line from a server"));
  }
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

const std::string* find_argument(const PtLine& line, std::string_view key) {
  for (const auto& [name, value] : line.args) {
    if (name == key) return &value;
  }
  return nullptr;
}

}  // namespace

Obfs4Client::Obfs4Client(std::unique_ptr<ManagedProcess> process, std::string host, std::uint16_t port)
    : process_(std::move(process)), socks_host_(std::move(host)), socks_port_(port) {}
Obfs4Client::~Obfs4Client() = default;
bool Obfs4Client::running() {
  return process_->running();
}
int Obfs4Client::process_id() const {
  return process_->process_id();
}

Result<std::unique_ptr<Obfs4Client>, PtFailure> Obfs4Client::start(const Obfs4ClientOptions& options) {
  auto environment = common_environment(options.executable, options.state_dir, options.start_timeout);
  if (!environment) return fail(environment.error());
  environment->push_back("TOR_PT_CLIENT_TRANSPORTS=" + std::string(kTransport));
  auto process = spawn(options.executable, options.log_to_state_dir, std::move(*environment));
  if (!process) return fail(process.error());
  auto method = read_start_up(**process, Side::kClient, options.start_timeout);
  if (!method) return fail(method.error());
  (*process)->start_draining();
  return std::unique_ptr<Obfs4Client>(
      new Obfs4Client(std::move(*process), std::move(method->address.host), method->address.port));
}

Obfs4Server::Obfs4Server(std::unique_ptr<ManagedProcess> process, std::string host, std::uint16_t port,
                         std::string cert, int iat_mode)
    : process_(std::move(process)), host_(std::move(host)), port_(port), cert_(std::move(cert)), iat_mode_(iat_mode) {}
Obfs4Server::~Obfs4Server() = default;
bool Obfs4Server::running() {
  return process_->running();
}
int Obfs4Server::process_id() const {
  return process_->process_id();
}

Result<std::unique_ptr<Obfs4Server>, PtFailure> Obfs4Server::start(const Obfs4ServerOptions& options) {
  if (!is_ip_literal(options.bind_host) || !is_ip_literal(options.target_host) || options.target_port == 0) {
    return fail(
        failure(PtError::kInvalidArgument, "bind_host and target_host must be IP literals, target_port 1..65535"));
  }
  auto environment = common_environment(options.executable, options.state_dir, options.start_timeout);
  if (!environment) return fail(environment.error());
  // format_pt_address brackets IPv6; port 0 is written as is (obfs4proxy then picks one).
  const std::string bind = format_pt_address(PtAddress{options.bind_host, options.bind_port});
  environment->push_back("TOR_PT_SERVER_TRANSPORTS=" + std::string(kTransport));
  environment->push_back("TOR_PT_SERVER_BINDADDR=" + std::string(kTransport) + "-" + bind);
  environment->push_back("TOR_PT_ORPORT=" + format_pt_address(PtAddress{options.target_host, options.target_port}));
  auto process = spawn(options.executable, options.log_to_state_dir, std::move(*environment));
  if (!process) return fail(process.error());
  auto method = read_start_up(**process, Side::kServer, options.start_timeout);
  if (!method) return fail(method.error());

  const std::string* cert = find_argument(*method, "cert");
  const std::string* iat_mode = find_argument(*method, "iat-mode");
  if (cert == nullptr || cert->size() != kObfs4CertSize || !std::all_of(cert->begin(), cert->end(), is_base64_char)) {
    return fail(failure(PtError::kProtocolError, "SMETHOD obfs4 without a valid cert"));
  }
  if (iat_mode == nullptr || iat_mode->size() != 1 || (*iat_mode)[0] < '0' || (*iat_mode)[0] > '0' + kMaxObfs4IatMode) {
    return fail(failure(PtError::kProtocolError, "SMETHOD obfs4 without a valid iat-mode"));
  }
  (*process)->start_draining();
  return std::unique_ptr<Obfs4Server>(new Obfs4Server(std::move(*process), std::move(method->address.host),
                                                      method->address.port, *cert, (*iat_mode)[0] - '0'));
}

}  // namespace hush::pt
