// `probe`: what is blocked, step by step, per endpoint (libs/client/probe), as a table or as the
// JSON object docs/cli.md specifies. Before registration it checks that the server is reachable
// for registering (--server and --pin or --ca say which server and how to trust it).
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "hush/client/probe/probe.hpp"

namespace hush::cli {

namespace {

// Largest --timeout: a step waiting longer than 10 minutes is blocked for any person waiting.
constexpr int kMaxProbeTimeoutSeconds = 600;
// The large transfer's bound, in steps: 12 x the default 10 s gives probe.hpp's 120 s.
constexpr int kMediaTimeoutSteps = 12;

}  // namespace

CommandRun define_probe(CLI::App& command) {
  struct Options {
    bool json = false;
    int timeout_seconds = static_cast<int>(client::kDefaultProbeStepTimeout.count() / 1000);
    std::string server, pin, ca_file;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--json", options->json, "One JSON object: endpoints, steps, control, verdict, working_endpoint");
  command.add_option("--timeout", options->timeout_seconds, "Bound on each connection and each answer (default 10)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, kMaxProbeTimeoutSeconds));
  command.add_option("--server", options->server, "Before registration: the hushd to check")
      ->type_name("wss://HOST:PORT");
  auto* ca = command.add_option("--ca", options->ca_file, "Before registration: trust the server through these CAs")
                 ->type_name("FILE");
  command.add_option("--pin", options->pin, "Before registration: the certificate SHA-256 fingerprint")
      ->type_name("HEX")
      ->excludes(ca);
  command.footer(
      "Each endpoint of HOME/endpoints.json is tried: dns, tcp_connect, tls_handshake, websocket_upgrade; then,\n"
      "through each endpoint that connected, on its own, authentication, message_round_trip, media_small (1 KiB)\n"
      "and media_large (2 MiB, resumed across resets). A failed step is named with an OONI-style failure string.\n"
      "Before registration give --server and --pin (or --ca): the steps stop after websocket_upgrade.\n"
      "Exit codes: 0 some endpoint works; 3 none does; 1 usage; 2 the home or its endpoint list cannot be read.");
  return [options](const GlobalOptions& global) -> int {
    client::ProbeOptions probe;
    probe.step_timeout = std::chrono::seconds(options->timeout_seconds);
    probe.media_timeout = probe.step_timeout * kMediaTimeoutSteps;

    auto endpoints = client::load_endpoints(global.home);
    if (!endpoints.ok()) {
      return report("cannot read the endpoints: " + std::string(client::to_string(endpoints.error().error)) + ": " +
                        endpoints.error().detail,
                    kExitAccount);
    }
    client::ProbeTarget target{{}, client::PinnedCertificate{}, *endpoints, {}};
    crypto::SystemRng rng;
    std::unique_ptr<client::Account> account;
    client::AccountOptions account_options;
    account_options.connection.connect_timeout = probe.step_timeout;
    account_options.connection.request_timeout = probe.step_timeout;
    std::error_code error;
    auto opened = std::filesystem::is_directory(global.home, error)
                      ? client::Account::open(global.home, unlock_for(global.home), rng, account_options)
                      : Result<std::unique_ptr<client::Account>, client::ClientError>(
                            fail(client::ClientError{client::ClientErrorKind::kNotRegistered, "no_home"}));
    if (opened.ok()) {
      account = std::move(*opened);
      target.server = account->server().address;
      target.trust = account->server().trust;
    } else if (opened.error().kind == client::ClientErrorKind::kNotRegistered) {
      const auto address = client::parse_server_url(options->server);
      if (!address) {
        return report("no account in " + global.home.string() +
                          ": give --server wss://HOST:PORT and --pin or --ca to check registration reachability",
                      kExitUsage);
      }
      target.server = *address;
      if (!options->ca_file.empty()) {
        target.trust = client::CaFile{options->ca_file};
      } else if (const auto fingerprint = client::parse_fingerprint(options->pin)) {
        target.trust = client::PinnedCertificate{*fingerprint};
      } else {
        return report("--pin: expected 64 hex digits (or give --ca)", kExitUsage);
      }
    } else {
      return report_failure("cannot open the account in " + global.home.string(), opened.error());
    }

    // obfs4proxy for the probe's own connections, beside the account's (which it runs itself).
    client::PluggableTransports transports(global.home / client::kPluggableTransportsFolder / "probe");
    const client::ProbeReport result = client::run_probe(target, account.get(), &transports, rng, probe);
    if (options->json) {
      std::cout << client::to_json(result) << std::endl;
    } else {
      std::cout << client::to_text(result) << std::flush;
    }
    return result.working_endpoint ? kExitOk : kExitNetwork;
  };
}

}  // namespace hush::cli
