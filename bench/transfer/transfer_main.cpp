// hush_transfer_bench: how fast one large file moves from sender to receiver through hushd with
// the client library, how much memory that takes while it moves, and the same file copied over
// plain TLS on the same machine for comparison. One JSON line per run on stdout; scripts/transfer
// runs both modes, alternating, and writes the report. Nothing is asserted about time; a copy
// whose SHA-256 differs from the source's ends the program with status 1.
//
//   hush_transfer_bench --mode hush --server wss://127.0.0.1:PORT --fingerprint HEX --file PATH --homes DIR
//   hush_transfer_bench --mode tls --file PATH [--output PATH]
#include <CLI/CLI.hpp>
#include <iostream>

#include "transfer_bench.hpp"

int main(int argc, char** argv) {
  std::string mode;
  hush::bench::HushSettings hush_settings;
  hush::bench::TlsSettings tls_settings;
  std::filesystem::path file;
  CLI::App app{"hush_transfer_bench: a large file through hushd with the client library, against a TLS copy"};
  app.add_option("--mode", mode, "hush or tls")->required()->check(CLI::IsMember({"hush", "tls"}));
  app.add_option("--file", file, "the file to send")->required()->check(CLI::ExistingFile);
  app.add_option("--server", hush_settings.server_url, "hush: hushd's address, wss://HOST:PORT");
  app.add_option("--fingerprint", hush_settings.fingerprint, "hush: hushd's certificate SHA-256 (hex)");
  app.add_option("--homes", hush_settings.homes, "hush: folder for the two accounts' homes");
  app.add_option("--server-pid", hush_settings.server_pid, "hush: hushd's process id, to sample its RSS too");
  app.add_option("--output", tls_settings.output, "tls: where the copy is written (default FILE.copy)");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json result;
  if (mode == "hush") {
    if (hush_settings.server_url.empty() || hush_settings.fingerprint.empty() || hush_settings.homes.empty()) {
      std::cerr << "hush_transfer_bench: --mode hush needs --server, --fingerprint and --homes\n";
      return 2;
    }
    hush_settings.file = file;
    result = hush::bench::run_hush(hush_settings);
  } else {
    tls_settings.file = file;
    if (tls_settings.output.empty()) tls_settings.output = file.string() + ".copy";
    result = hush::bench::run_tls(tls_settings);
  }
  std::cout << result.dump() << std::endl;
  return 0;
}
