// A minimal hush API client for integration tests: TLS WebSocket to 127.0.0.1 trusting one PEM
// certificate, frames through the wire codec, requests matched to responses by id, pushes kept
// in arrival order. Every wait is bounded. Beast stays inside test_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hush/base/bytes.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/wire/api.pb.h"

namespace hush::test {

namespace api = wire::api;
using namespace std::chrono_literals;

// The keys one test device registers with.
struct TestDevice {
  explicit TestDevice(std::uint64_t seed);
  crypto::SeededRng rng;
  crypto::KeyPair identity;
  crypto::Ed25519KeyPair auth;
  std::uint32_t registration_id;

  api::DeviceKeys keys(const std::string& name = "test") const;
  // The auth key's signature over "hush-auth-v1" ‖ nonce.
  std::string sign_challenge(const Bytes& nonce) const;
  // A signed prekey (id) signed by the identity key; `corrupt` flips a signature bit.
  api::SignedPreKey signed_prekey(std::uint32_t id, bool corrupt = false);
  api::PreKey prekey(std::uint32_t id);
};

// One plain HTTPS request (GET `target`) to 127.0.0.1:`port`, trusting `certificate_pem`, as an
// operator's curl or Prometheus would send it. status 0 when the exchange failed or timed out.
struct HttpReply {
  int status = 0;
  std::string body;
};
HttpReply https_get(std::uint16_t port, const std::string& certificate_pem, const std::string& target,
                    std::chrono::milliseconds timeout = 5s);

class TestClient {
 public:
  // Connects and waits for the Challenge (its nonce in challenge_nonce()). Throws on failure.
  TestClient(std::uint16_t port, const std::string& certificate_pem);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  const Bytes& challenge_nonce() const { return nonce_; }

  // Sends the request with a fresh id and waits for its response; pushes that arrive meanwhile
  // are kept for next_push(). nullopt when the connection closed or `timeout` passed.
  std::optional<api::Response> call(api::Request request, std::chrono::milliseconds timeout = 5s);
  // Sends without waiting. Returns the id used.
  std::uint64_t send(api::Request request);
  // Waits for the response to an earlier send(). nullopt on close or timeout.
  std::optional<api::Response> wait_response(std::uint64_t id, std::chrono::milliseconds timeout = 5s);

  // The next push (kept or newly read). nullopt on close or timeout.
  std::optional<api::Push> next_push(std::chrono::milliseconds timeout = 5s);

  // Raw WebSocket binary message (for hostile input).
  void send_raw(ByteView bytes);

  // Reads frames until the connection closes; returns the Closing reason seen ("" if none).
  std::string wait_closed(std::chrono::milliseconds timeout = 5s);

  bool closed() const { return closed_; }

  // Closes the TCP connection without any goodbye.
  void drop();

  // Convenience: register or log in with the current challenge.
  api::Response register_account(const std::string& username, const TestDevice& device, const std::string& invite = "");
  api::Response authenticate(const std::string& username, std::uint32_t device_id, const TestDevice& device);

 private:
  std::optional<api::Frame> read_frame(std::chrono::milliseconds timeout);
  void write(ByteView bytes);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  Bytes nonce_;
  std::uint64_t next_id_ = 1;
  std::deque<api::Push> pushes_;
  std::map<std::uint64_t, api::Response> responses_;  // answers not yet asked for
  std::string closing_reason_;
  bool closed_ = false;
};

}  // namespace hush::test
