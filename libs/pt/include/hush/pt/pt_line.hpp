// The lines a managed pluggable transport writes on its stdout (pt-spec version 1, §3.3): one
// parser, strict and bounded, with no I/O. It owns the syntax only; what a line means during
// start-up (order, which method we asked for) belongs to the process code (obfs4.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hush/base/result.hpp"

namespace hush::pt {

// The longest line accepted, without its '\n'. obfs4proxy's longest start-up line (an SMETHOD with
// a 70-character cert) is about 120 bytes and its error lines quote one Go error; 4 KiB leaves room
// for any transport's messages while bounding what a misbehaving child can make us hold.
inline constexpr std::size_t kMaxPtLineSize = 4096;

// The most ARGS pairs on one SMETHOD line (obfs4 sends 2). Bounds the vector a line can build.
inline constexpr std::size_t kMaxPtArgs = 16;

// An address as a transport reports it: an IPv4 literal or an IPv6 literal (without its
// brackets), and a port 1..65535. Names are never accepted (a transport reports where it listens).
struct PtAddress {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const PtAddress&, const PtAddress&) = default;
};

// "HOST:PORT" or "[IPV6]:PORT" for a connect or bind string.
std::string format_pt_address(const PtAddress& address);

// Parses "A.B.C.D:PORT" or "[IPV6]:PORT" strictly: dotted-quad without leading zeros, an IPv6
// literal that inet_pton accepts (no zone), a decimal port 1..65535 without leading zeros.
std::optional<PtAddress> parse_pt_address(std::string_view text);

// True for an IPv4 or IPv6 literal (IPv6 without brackets), as the options' hosts must be.
bool is_ip_literal(std::string_view host);

enum class PtLineKind {
  kVersion,            // VERSION n                      -> version
  kVersionError,       // VERSION-ERROR msg              -> message
  kEnvError,           // ENV-ERROR msg                  -> message
  kClientMethod,       // CMETHOD name proxy host:port   -> method, proxy_type, address
  kClientMethodError,  // CMETHOD-ERROR name msg         -> method, message
  kClientMethodsDone,  // CMETHODS DONE
  kServerMethod,       // SMETHOD name host:port [ARGS:k=v,...] -> method, address, args
  kServerMethodError,  // SMETHOD-ERROR name msg         -> method, message
  kServerMethodsDone,  // SMETHODS DONE
  kLog,                // LOG ...    (ignored: its content is not parsed)
  kStatus,             // STATUS ... (ignored)
  kUnknown,            // any other keyword (pt-spec: ignore it)
};

// One parsed line; only the fields named beside its kind are set.
struct PtLine {
  PtLineKind kind = PtLineKind::kUnknown;
  int version = 0;         // 0..kMaxPtVersion
  std::string method;      // a C identifier ("obfs4"), at most kMaxPtLineSize bytes
  std::string proxy_type;  // "socks5", "socks4", ...: lower-case letters and digits
  PtAddress address;
  std::string message;                                    // may be empty
  std::vector<std::pair<std::string, std::string>> args;  // decoded, in order, keys distinct
};

// VERSION numbers above this are refused as malformed (a bound on the integer, not a policy:
// the caller accepts only 1).
inline constexpr int kMaxPtVersion = 999;

enum class PtLineError {
  kTooLong,    // more than kMaxPtLineSize bytes (checked before anything else)
  kMalformed,  // a control character, a known keyword with arguments that break pt-spec
};

// Parses one line without its '\n'. Fields are separated by exactly one space. Control
// characters (0x00-0x1F, 0x7F) anywhere refuse the line. A well-formed line with an unknown
// keyword (letters, digits, '-', '_') is kUnknown; a line whose keyword is not well-formed is
// kMalformed. ARGS values: pt-spec §3.3.3, k=v pairs separated by ',', where '\' escapes exactly
// '\', '=' or ','; any other escape, a trailing '\', an empty key, a key twice, or more than
// kMaxPtArgs pairs is kMalformed.
Result<PtLine, PtLineError> parse_pt_line(std::string_view line);

}  // namespace hush::pt
