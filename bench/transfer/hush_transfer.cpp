// --mode hush: one file from a sender to a receiver through a real hushd with the client library,
// both clients in this one process (so one RSS covers both; they run one after the other, never
// at once). The sender's send_file (encrypt to HOME/staging, pipelined 15 KiB chunks, FinishUpload,
// the message) and the receiver's receive (the envelope, then the download, digest and MAC pass,
// decryption pass) are the two timed phases; the receiver is offline while the sender sends, as a
// store-and-forward recipient would be, and logs in between the phases (not timed).
#include <array>

#include "hush/base/bytes.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "transfer_bench.hpp"

namespace hush::bench {
namespace {

using namespace std::chrono_literals;

// Only the bench's own throwaway stores use it; a real client asks its user.
constexpr std::string_view kPassphrase = "transfer bench passphrase, not a secret";

// How long the receiver waits for the file's envelope after logging in.
constexpr auto kEnvelopeWait = 30s;

client::AccountOptions account_options() {
  client::AccountOptions options;
  options.prekey_batch = 10;  // registration is not timed; fewer keys make it quicker
  // The lowest Argon2id cost (as the tests use): unlocking a store is not what is measured.
  options.store.kdf = {client::kMinKdfOperations, client::kMinKdfMemory};
  return options;
}

std::unique_ptr<client::Account> register_account(const std::filesystem::path& home,
                                                  const client::ServerSettings& server, const std::string& name,
                                                  crypto::Rng& rng) {
  client::Passphrase passphrase{crypto::SecretBytes(as_bytes(kPassphrase))};
  auto account = client::Account::register_new(home, passphrase, server, name, "", rng, account_options());
  if (!account.ok()) die("registering " + name + ": " + client::describe(account.error()));
  return std::move(*account);
}

std::string random_name(const std::string& prefix, crypto::Rng& rng) {
  std::array<std::uint8_t, 6> suffix{};
  rng.fill(suffix);
  return prefix + to_hex(suffix);
}

// One stretch of a phase: its wall time and the CPU this process and hushd used in it.
nlohmann::json part(Clock::time_point from, Clock::time_point to, const CpuReading& cpu_from,
                    const CpuReading& cpu_to) {
  return {{"seconds", seconds_between(from, to)},
          {"client_cpu_seconds", cpu_to.own - cpu_from.own},
          {"server_cpu_seconds", cpu_to.other - cpu_from.other}};
}

double mb_per_second(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

}  // namespace

nlohmann::json run_hush(const HushSettings& settings) {
  const auto address = client::parse_server_url(settings.server_url);
  if (!address) die("--server is not wss://HOST:PORT: " + settings.server_url);
  const auto pin = client::parse_fingerprint(settings.fingerprint);
  if (!pin) die("--fingerprint is not 64 hex digits");
  const client::ServerSettings server{*address, client::PinnedCertificate{*pin}};
  const FileDigest source = digest_file(settings.file);

  crypto::SystemRng rng;
  const std::string sender_name = random_name("sender_", rng);
  const std::string receiver_name = random_name("receiver_", rng);
  const Clock::time_point register_start = Clock::now();
  auto sender = register_account(settings.homes / sender_name, server, sender_name, rng);
  auto receiver = register_account(settings.homes / receiver_name, server, receiver_name, rng);
  const double register_seconds = seconds_between(register_start, Clock::now());
  client::Messenger sender_messenger(*sender);
  client::Messenger receiver_messenger(*receiver);
  // Offline while the file goes up: a connection nobody reads would reach hushd's idle timeout
  // during a long upload (the client is synchronous and pings only when called).
  receiver->disconnect();

  const pid_t server_pid = settings.server_pid;
  RssSampler sampler(server_pid);
  const MemoryStatus before = read_memory_status();
  const MemoryStatus server_before = server_pid != 0 ? read_memory_status(server_pid) : MemoryStatus{};

  // Phase 1: send_file, from the call to its return (the server holds the message).
  sampler.begin_phase();
  const CpuReading cpu_send_start = read_cpu(server_pid);
  const Clock::time_point send_start = Clock::now();
  ProgressMarks upload_marks(send_start, server_pid);
  client::FileOptions file_options;
  // hushd's peak until the last chunk is stored, before FinishUpload.
  std::uint64_t server_upload_peak = 0;
  file_options.progress = [&](std::uint64_t done, std::uint64_t total) {
    upload_marks.record(done, total);
    if (done >= total) server_upload_peak = sampler.other_peak_kib();
  };
  auto sent = sender_messenger.send_file(receiver_name, settings.file, file_options);
  const Clock::time_point send_end = Clock::now();
  const CpuReading cpu_send_end = read_cpu(server_pid);
  if (!sent.ok()) die("send_file: " + client::describe(sent.error()));
  const std::uint64_t send_peak = sampler.own_peak_kib();
  const std::uint64_t server_send_peak = sampler.other_peak_kib();
  if (!upload_marks.called()) die("send_file reported no upload progress");

  const Clock::time_point login_start = Clock::now();
  if (auto logged_in = receiver->log_in(); !logged_in.ok())
    die("receiver log_in: " + client::describe(logged_in.error()));
  const double login_seconds = seconds_between(login_start, Clock::now());

  // Phase 2: the envelope (read and stored as receive() does), then receive() with download: the
  // blob to HOME/staging, digest and MAC checked, decrypted into HOME/attachments. receive() is
  // called with a 1 ms idle wait once the envelope is in, so that its timing holds no idle wait.
  sampler.begin_phase();
  const CpuReading cpu_receive_start = read_cpu(server_pid);
  const Clock::time_point receive_start = Clock::now();
  ProgressMarks download_marks(receive_start, server_pid);
  bool envelope_in = false;
  while (!envelope_in) {
    auto push = receiver->connection().next_push(kEnvelopeWait);
    if (!push.ok()) die(std::string("waiting for the file's envelope: ") + client::to_string(push.error()));
    auto events = receiver_messenger.handle_push(*push);
    if (!events.ok()) die("handling a push: " + client::describe(events.error()));
    for (const client::Message& event : *events) envelope_in = envelope_in || event.id == *sent;
  }
  const Clock::time_point envelope_at = Clock::now();
  const CpuReading cpu_envelope = read_cpu(server_pid);
  client::ReceiveOptions receive_options;
  receive_options.download_attachments = true;
  receive_options.progress = [&download_marks](std::uint64_t done, std::uint64_t total) {
    download_marks.record(done, total);
  };
  auto received = receiver_messenger.receive(1ms, receive_options);
  const Clock::time_point receive_end = Clock::now();
  const CpuReading cpu_receive_end = read_cpu(server_pid);
  if (!received.ok()) die("receive: " + client::describe(received.error()));
  const std::uint64_t receive_peak = sampler.own_peak_kib();
  const std::uint64_t server_receive_peak = sampler.other_peak_kib();
  const MemoryStatus after = read_memory_status();
  if (!download_marks.called()) die("receive reported no download progress");

  auto stored = receiver_messenger.find_message(false, sender_name, *sent);
  if (!stored.ok() || !*stored || !(*stored)->attachment) die("the received message or its attachment is missing");
  const client::Attachment& attachment = *(*stored)->attachment;
  if (attachment.transfer != client::TransferState::kDone) {
    die("the attachment did not arrive: " + std::string(client::to_string(attachment.transfer)) + " " +
        attachment.failure);
  }
  const FileDigest copy = digest_file(attachment.path);
  if (copy.sha256 != source.sha256 || copy.size != source.size) {
    die("the received file differs from the source: " + to_hex(copy.sha256) + " (" + std::to_string(copy.size) +
        " bytes) != " + to_hex(source.sha256) + " (" + std::to_string(source.size) + " bytes)");
  }
  if (attachment.sha256 != Bytes(source.sha256.begin(), source.sha256.end())) {
    die("the receiver's recorded SHA-256 differs from the source's");
  }
  std::error_code ignored;
  std::filesystem::remove(attachment.path, ignored);  // 1 GiB less on the disk for the next run

  const double send_seconds = seconds_between(send_start, send_end);
  const double receive_seconds = seconds_between(receive_start, receive_end);
  nlohmann::json result = {
      {"mode", "hush"},
      {"bytes", source.size},
      {"blob_bytes", client::blob_size(source.size)},
      {"sha256", to_hex(source.sha256)},
      {"sha256_match", true},
      {"one_process", true},
      {"send_seconds", send_seconds},
      {"receive_seconds", receive_seconds},
      {"total_seconds", send_seconds + receive_seconds},
      {"send_mb_s", mb_per_second(source.size, send_seconds)},
      {"receive_mb_s", mb_per_second(source.size, receive_seconds)},
      {"total_mb_s", mb_per_second(source.size, send_seconds + receive_seconds)},
      // Where the time goes, split at the progress callbacks' first call and at the call that
      // reports every byte done; CPU of this process (both clients) and of hushd in each part.
      {"send_parts",
       {{"encrypt", part(send_start, upload_marks.first_call(), cpu_send_start, upload_marks.cpu_at_first_call())},
        {"upload", part(upload_marks.first_call(), upload_marks.last_call(), upload_marks.cpu_at_first_call(),
                        upload_marks.cpu_at_completion())},
        {"finish", part(upload_marks.last_call(), send_end, upload_marks.cpu_at_completion(), cpu_send_end)}}},
      {"receive_parts",
       {{"envelope", part(receive_start, envelope_at, cpu_receive_start, cpu_envelope)},
        {"download", part(envelope_at, download_marks.last_call(), cpu_envelope, download_marks.cpu_at_completion())},
        {"verify_decrypt",
         part(download_marks.last_call(), receive_end, download_marks.cpu_at_completion(), cpu_receive_end)}}},
      {"register_seconds", register_seconds},
      {"receiver_login_seconds", login_seconds},
      {"rss_kib",
       {{"before", before.rss_kib},
        {"send_peak", send_peak},
        {"receive_peak", receive_peak},
        {"after", after.rss_kib},
        {"hwm", after.hwm_kib},
        {"send_marks", upload_marks.to_json()},
        {"receive_marks", download_marks.to_json()},
        {"samples", sampler.samples()}}},
  };
  if (server_pid != 0) {
    result["server_rss_kib"] = {{"before", server_before.rss_kib},
                                {"upload_peak", server_upload_peak},
                                {"send_peak", server_send_peak},
                                {"receive_peak", server_receive_peak}};
  }
  return result;
}

}  // namespace hush::bench
