// `endpoints`: the home's list of ways to reach the server (libs/client/endpoints), listed, added
// to and removed from. Works before registration and without unlocking the store: the list is a
// file of its own.
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "hush/client/endpoints/relay_link.hpp"
#include "message_json.hpp"

namespace hush::cli {

namespace {

// The exit code for a failure of the list: the local file (2), a full list or a duplicate (6), a
// number not in the list (1: the command line names something that is not there).
int report_endpoints_failure(const std::string& what, const client::EndpointsFailure& failure) {
  int code = kExitInvalidInput;
  switch (failure.error) {
    case client::EndpointsError::kIo:
    case client::EndpointsError::kCorrupt:
    case client::EndpointsError::kTooLarge: code = kExitAccount; break;
    case client::EndpointsError::kNotFound: code = kExitUsage; break;
    case client::EndpointsError::kTooMany:
    case client::EndpointsError::kDuplicate:
    case client::EndpointsError::kInvalidEndpoint: code = kExitInvalidInput; break;
  }
  return report(what + ": endpoints: " + client::to_string(failure.error) + ": " + failure.detail, code);
}

}  // namespace

void add_endpoint_options(CLI::App& command, EndpointOptions& options) {
  command.add_option("--via", options.via, "Reach the server through this SOCKS5 or HTTP CONNECT proxy")
      ->type_name("socks5://[USER:PASS@]HOST:PORT|http://HOST:PORT");
  command.add_option("--sni", options.sni, "TLS server name to send instead of the server's (\"\": none)")
      ->type_name("NAME");
  command.add_option("--host", options.host, "WebSocket Host header instead of the server's HOST:PORT")
      ->type_name("NAME");
}

Result<client::Endpoint, int> endpoint_from_options(const CLI::App& command, const std::string& url,
                                                    const EndpointOptions& options) {
  const auto given = [&command](const char* name, const std::string& value) {
    return command.count(name) > 0 ? std::optional<std::string>(value) : std::nullopt;
  };
  auto endpoint = parse_endpoint_arguments(url, given("--via", options.via), given("--sni", options.sni),
                                           given("--host", options.host));
  if (!endpoint.ok()) return fail(report(endpoint.error(), kExitUsage));
  return std::move(*endpoint);
}

CommandRun define_endpoints(CLI::App& command) {
  struct Options {
    bool json = false;
    std::string url;
    EndpointOptions endpoint;
    std::size_t remove_number = 0;
    std::string link;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--json", options->json, "A JSON array of objects: index, url, via, sni, host, obfs4");
  CLI::App* add = command.add_subcommand("add", "Add a way to reach the server, tried after the others");
  add->add_option("url", options->url, "Where to connect (directly, or through --via)")
      ->type_name("wss://HOST:PORT")
      ->required();
  add_endpoint_options(*add, options->endpoint);
  CLI::App* add_relay = command.add_subcommand(
      "add-relay", "Add a relay or obfs4 bridge shared as a link (hushd relay / hushd bridge print it)");
  add_relay->add_option("link", options->link, "The link")->type_name("hush-relay://...|hush-bridge://...")->required();
  CLI::App* remove = command.add_subcommand("remove", "Remove endpoint N (as listed)");
  remove->add_option("number", options->remove_number, "The endpoint's number, from 1")->type_name("N")->required();
  command.require_subcommand(0, 1);
  command.footer(
      "The endpoints are tried in order, numbered from 1; the first that connects is used, by every command.\n"
      "The list is HOME/endpoints.json (mode 0600); it exists before registration, and `register` puts the\n"
      "endpoint it registers through first. Proxy passwords are shown as ***. At most 16 endpoints.\n"
      "A relay link (hush-relay://RELAY/SERVER#PIN) or bridge link (hush-bridge://BRIDGE/SERVER?cert=..#PIN)\n"
      "names the relay or obfs4 bridge, the server behind it and the server's certificate: add it before\n"
      "registering, then `hush register --server wss://SERVER --pin PIN` fails over to it when the server itself\n"
      "is blocked. A bridge is reached through obfs4proxy (Debian package obfs4proxy), which hush runs itself.\n"
      "Exit codes: 0 ok; 1 a malformed URL, --via, --sni, --host, link, or an N not in the list; 2 the list file "
      "cannot\n"
      "be read or is not an endpoint list (fix or delete it); 6 the endpoint is listed already, or the list is full.");
  return [options, add, add_relay, remove](const GlobalOptions& global) -> int {
    if (add_relay->parsed()) {
      auto link = client::parse_relay_link(options->link);
      if (!link.ok()) return report(std::string("not a relay link: ") + client::to_string(link.error()), kExitUsage);
      // The TCP connection goes to the relay or bridge; TLS still names the server.
      const client::Endpoint endpoint = client::endpoint_from(*link);
      const bool bridge = link->kind == client::RelayLink::Kind::kObfs4Bridge;
      auto number = client::add_endpoint(global.home, endpoint);
      if (!number.ok()) return report_endpoints_failure("cannot add the link", number.error());
      std::cout << "added endpoint " << *number << ": " << (bridge ? "obfs4 bridge " : "relay ")
                << client::describe(endpoint) << " to the server " << client::format_server_url(link->server)
                << " (certificate " << client::format_fingerprint(link->pin) << ")\n";
      return kExitOk;
    }
    if (add->parsed()) {
      auto endpoint = endpoint_from_options(*add, options->url, options->endpoint);
      if (!endpoint.ok()) return endpoint.error();
      auto number = client::add_endpoint(global.home, *endpoint);
      if (!number.ok()) return report_endpoints_failure("cannot add the endpoint", number.error());
      std::cout << "added endpoint " << *number << ": " << client::describe(*endpoint) << "\n";
      return kExitOk;
    }
    if (remove->parsed()) {
      auto removed = client::remove_endpoint(global.home, options->remove_number);
      if (!removed.ok()) return report_endpoints_failure("cannot remove the endpoint", removed.error());
      std::cout << "removed endpoint " << options->remove_number << ": " << client::describe(*removed) << "\n";
      return kExitOk;
    }
    auto endpoints = client::load_endpoints(global.home);
    if (!endpoints.ok()) return report_endpoints_failure("cannot read the endpoints", endpoints.error());
    if (options->json) {
      nlohmann::json list = nlohmann::json::array();
      for (std::size_t i = 0; i < endpoints->size(); ++i) list.push_back(endpoint_to_json((*endpoints)[i], i + 1));
      std::cout << to_json_line(list) << std::endl;
      return kExitOk;
    }
    if (endpoints->empty()) std::cerr << "hush: no endpoints: the account's own server is used\n";
    for (std::size_t i = 0; i < endpoints->size(); ++i) {
      std::cout << (i + 1) << "  " << client::describe((*endpoints)[i]) << "\n";
    }
    std::cout << std::flush;
    return kExitOk;
  };
}

}  // namespace hush::cli
