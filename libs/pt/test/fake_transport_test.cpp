// Obfs4Client and Obfs4Server against fake transports (shell scripts standing in for obfs4proxy):
// the exact environment, every start-up error, the bounds (line size, start_timeout), and the
// process lifecycle (no inherited descriptors, draining, stop by stdin/SIGTERM/SIGKILL, reaping).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "hush/pt/obfs4.hpp"
#include "hush/pt/pt_line.hpp"
#include "scratch_folder.hpp"

namespace hush::pt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view kCert = "JHWft/OhtDTcBwJJy53XIqA09VtQ+UDJogR3nfAAa0G5zaBZvnip/VgRtN1AJq7KZg4jBg";
constexpr std::string_view kClientStartUp =
    "echo VERSION 1\necho CMETHOD obfs4 socks5 127.0.0.1:1080\necho CMETHODS DONE\n";
constexpr auto kShortStartTimeout = 300ms;
constexpr auto kEventualWait = 10s;  // a bound for things that happen in milliseconds
constexpr mode_t kExecutableMode = 0755;
constexpr mode_t kPlainFileMode = 0644;
constexpr fs::perms kPrivateFolder = fs::perms::owner_all;

class FakeTransport : public ::testing::Test {
 protected:
  fs::path script(const std::string& body, mode_t mode = kExecutableMode) {
    const fs::path path = folder_.path() / ("transport" + std::to_string(++scripts_) + ".sh");
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), mode);
    return path;
  }
  Obfs4ClientOptions client_options(const fs::path& executable) {
    Obfs4ClientOptions options;
    options.executable = executable;
    options.state_dir = folder_.path() / "state" / "client";
    return options;
  }
  Obfs4ServerOptions server_options(const fs::path& executable) {
    Obfs4ServerOptions options;
    options.executable = executable;
    options.state_dir = folder_.path() / "state" / "server";
    options.target_port = 5000;
    return options;
  }
  PtFailure client_failure(const std::string& body) {
    auto options = client_options(script(body));
    options.start_timeout = kEventualWait;
    auto client = Obfs4Client::start(options);
    EXPECT_FALSE(client.ok()) << body;
    return client.ok() ? PtFailure{} : client.error();
  }

  hush::test::ScratchFolder folder_{"hush-pt"};
  int scripts_ = 0;
};

std::set<std::string> environment_written_to(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::set<std::string> variables;
  std::string variable;
  while (std::getline(in, variable, '\0')) variables.insert(variable);
  return variables;
}

bool reaped(int pid) {
  return kill(pid, 0) != 0 && errno == ESRCH;
}

template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kEventualWait;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST_F(FakeTransport, ClientEnvironmentIsExactlyThePtVariables) {
  auto options = client_options(script("cat /proc/$$/environ > \"$TOR_PT_STATE_LOCATION/environ\"\n" +
                                       std::string(kClientStartUp) + "exec cat > /dev/null\n"));
  auto client = Obfs4Client::start(options);
  ASSERT_TRUE(client.ok()) << describe(client.error());
  EXPECT_EQ((*client)->socks_host(), "127.0.0.1");
  EXPECT_EQ((*client)->socks_port(), 1080);
  const fs::path state = fs::absolute(options.state_dir);
  EXPECT_EQ(environment_written_to(state / "environ"),
            (std::set<std::string>{"TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_STATE_LOCATION=" + state.string(),
                                   "TOR_PT_EXIT_ON_STDIN_CLOSE=1", "TOR_PT_CLIENT_TRANSPORTS=obfs4"}));
  EXPECT_EQ(fs::status(state).permissions() & fs::perms::all, kPrivateFolder);
  EXPECT_TRUE((*client)->running());
  const int pid = (*client)->process_id();
  client->reset();  // closes stdin: `cat` exits
  EXPECT_TRUE(reaped(pid));
}

TEST_F(FakeTransport, ServerEnvironmentAndMethod) {
  auto options =
      server_options(script("cat /proc/$$/environ > \"$TOR_PT_STATE_LOCATION/environ\"\n"
                            "echo VERSION 1\n"
                            "echo 'SMETHOD obfs4 [::1]:4444 ARGS:cert=" +
                            std::string(kCert) +
                            ",iat-mode=1'\n"
                            "echo SMETHODS DONE\n"
                            "exec cat > /dev/null\n"));
  options.bind_host = "::1";
  options.target_host = "127.0.0.1";
  options.target_port = 5000;
  auto server = Obfs4Server::start(options);
  ASSERT_TRUE(server.ok()) << describe(server.error());
  EXPECT_EQ((*server)->host(), "::1");
  EXPECT_EQ((*server)->port(), 4444);
  EXPECT_EQ((*server)->cert(), kCert);
  EXPECT_EQ((*server)->iat_mode(), 1);
  const fs::path state = fs::absolute(options.state_dir);
  EXPECT_EQ(environment_written_to(state / "environ"),
            (std::set<std::string>{"TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_STATE_LOCATION=" + state.string(),
                                   "TOR_PT_EXIT_ON_STDIN_CLOSE=1", "TOR_PT_SERVER_TRANSPORTS=obfs4",
                                   "TOR_PT_SERVER_BINDADDR=obfs4-[::1]:0", "TOR_PT_ORPORT=127.0.0.1:5000"}));
}

TEST_F(FakeTransport, LogStatusAndUnknownLinesAreSkipped) {
  auto client = Obfs4Client::start(client_options(
      script("echo 'LOG SEVERITY=notice MESSAGE=\"hi\"'\necho VERSION 1\necho 'STATUS TRANSPORT=obfs4'\n"
             "echo 'PROXY DONE'\necho CMETHOD obfs4 socks5 127.0.0.1:1\necho 'LOG x'\necho CMETHODS DONE\n"
             "exec cat > /dev/null\n")));
  ASSERT_TRUE(client.ok()) << describe(client.error());
  EXPECT_EQ((*client)->socks_port(), 1);
}

TEST_F(FakeTransport, TransportErrorsKeepTheirMessage) {
  PtFailure failure = client_failure("echo VERSION-ERROR no-version\n");
  EXPECT_EQ(failure.error, PtError::kVersionError);
  EXPECT_EQ(failure.message, "no-version");
  failure = client_failure("echo VERSION 1\necho ENV-ERROR need TOR_PT_STATE_LOCATION\n");
  EXPECT_EQ(failure.error, PtError::kEnvError);
  EXPECT_EQ(failure.message, "need TOR_PT_STATE_LOCATION");
  failure = client_failure("echo VERSION 1\necho CMETHOD-ERROR obfs4 no luck today\necho CMETHODS DONE\n");
  EXPECT_EQ(failure.error, PtError::kMethodError);
  EXPECT_EQ(failure.message, "no luck today");
  EXPECT_EQ(describe(failure), "method_error: no luck today");
  EXPECT_EQ(client_failure("echo VERSION 2\n").error, PtError::kVersionError);
}

TEST_F(FakeTransport, ProtocolViolations) {
  for (const char* body : {
           "echo VERSION 1\necho CMETHOD obfs4 socks4 127.0.0.1:1\necho CMETHODS DONE\n",  // not socks5
           "echo VERSION 1\necho CMETHOD obfs4 socks5 localhost:1\necho CMETHODS DONE\n",  // malformed
           "echo VERSION 1\necho CMETHOD obfs3 socks5 127.0.0.1:1\necho CMETHODS DONE\n",  // not asked for
           "echo VERSION 1\necho CMETHOD obfs4 socks5 127.0.0.1:1\necho CMETHOD obfs4 socks5 127.0.0.1:2\n",
           "echo VERSION 1\necho CMETHODS DONE\n",                                  // no method
           "echo CMETHOD obfs4 socks5 127.0.0.1:1\necho CMETHODS DONE\n",           // before VERSION
           "echo VERSION 1\necho VERSION 1\n",                                      // twice
           "echo VERSION 1\necho SMETHOD obfs4 127.0.0.1:1\necho SMETHODS DONE\n",  // server lines
           "echo VERSION 1\necho CMETHOD-ERROR obfs3 other\necho CMETHODS DONE\n",
           "printf 'VERSION 1\\r\\n'\n",
       }) {
    const PtFailure failure = client_failure(body);
    EXPECT_EQ(failure.error, PtError::kProtocolError) << body << describe(failure);
  }
}

TEST_F(FakeTransport, ExitBeforeDone) {
  EXPECT_EQ(client_failure("exit 1\n").error, PtError::kExitedEarly);
  EXPECT_EQ(client_failure("echo VERSION 1\necho CMETHOD obfs4 socks5 127.0.0.1:1\n").error, PtError::kExitedEarly);
  // A partial last line (no '\n') is not a line.
  EXPECT_EQ(client_failure("echo VERSION 1\necho CMETHOD obfs4 socks5 127.0.0.1:1\nprintf 'CMETHODS DONE'\n").error,
            PtError::kExitedEarly);
}

TEST_F(FakeTransport, LineSizeBound) {
  const std::string longest_log = "LOG " + std::string(kMaxPtLineSize - 4, 'x');
  auto client = Obfs4Client::start(
      client_options(script("echo '" + longest_log + "'\n" + std::string(kClientStartUp) + "exec cat >/dev/null\n")));
  EXPECT_TRUE(client.ok());
  const PtFailure failure = client_failure("echo '" + longest_log + "x'\n" + std::string(kClientStartUp));
  EXPECT_EQ(failure.error, PtError::kProtocolError);
  EXPECT_EQ(failure.message, "a line over 4096 bytes");
  // Endless output without a newline hits the same bound, not the memory.
  EXPECT_EQ(client_failure("exec cat /dev/zero\n").error, PtError::kProtocolError);
}

TEST_F(FakeTransport, SilentTransportTimesOut) {
  // `cat` holds stdout open and writes nothing (it echoes our stdin, and we write nothing).
  auto options = client_options(script("exec cat\n"));
  options.start_timeout = kShortStartTimeout;
  auto client = Obfs4Client::start(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kStartTimeout);
  EXPECT_EQ(client.error().message, "no CMETHODS DONE within 300 ms");
  // Half a start-up is no better.
  options.executable = script("echo VERSION 1\nexec cat\n");
  client = Obfs4Client::start(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kStartTimeout);
}

TEST_F(FakeTransport, MissingAndUnrunnableExecutables) {
  auto client = Obfs4Client::start(client_options(folder_.path() / "no-such-obfs4proxy"));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kNotInstalled);
  EXPECT_NE(describe(client.error()).find("obfs4proxy not installed: apt-get install obfs4proxy"), std::string::npos);
  client = Obfs4Client::start(client_options(script(std::string(kClientStartUp), kPlainFileMode)));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kSpawnFailed);
  EXPECT_EQ(client.error().message, "exec: Permission denied");
  auto server = Obfs4Server::start(server_options(folder_.path() / "no-such-obfs4proxy"));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().error, PtError::kNotInstalled);
}

TEST_F(FakeTransport, InvalidOptions) {
  const fs::path good = script(std::string(kClientStartUp));
  auto client_options_without_state = client_options(good);
  client_options_without_state.state_dir.clear();
  EXPECT_EQ(Obfs4Client::start(client_options_without_state).error().error, PtError::kInvalidArgument);
  auto client_options_without_time = client_options(good);
  client_options_without_time.start_timeout = 0ms;
  EXPECT_EQ(Obfs4Client::start(client_options_without_time).error().error, PtError::kInvalidArgument);

  for (auto change : std::vector<void (*)(Obfs4ServerOptions&)>{
           [](Obfs4ServerOptions& o) { o.bind_host = "localhost"; },
           [](Obfs4ServerOptions& o) { o.bind_host = "[::1]"; },
           [](Obfs4ServerOptions& o) { o.target_host = "example.org"; },
           [](Obfs4ServerOptions& o) { o.target_port = 0; },
           [](Obfs4ServerOptions& o) { o.state_dir.clear(); },
       }) {
    auto options = server_options(good);
    change(options);
    EXPECT_EQ(Obfs4Server::start(options).error().error, PtError::kInvalidArgument);
  }
}

TEST_F(FakeTransport, StateDirThatCannotBeCreated) {
  std::ofstream(folder_.path() / "a-file") << "x";
  auto options = client_options(script(std::string(kClientStartUp)));
  options.state_dir = folder_.path() / "a-file" / "state";
  EXPECT_EQ(Obfs4Client::start(options).error().error, PtError::kStateDirFailed);
}

TEST_F(FakeTransport, ServerArgumentsChecked) {
  const auto server_failure = [&](const std::string& args) {
    auto server = Obfs4Server::start(server_options(
        script("echo VERSION 1\necho 'SMETHOD obfs4 127.0.0.1:4444" + args + "'\necho SMETHODS DONE\n")));
    return server.ok() ? PtError::kInvalidArgument : server.error().error;
  };
  EXPECT_EQ(server_failure(""), PtError::kProtocolError);
  EXPECT_EQ(server_failure(" ARGS:iat-mode=0"), PtError::kProtocolError);
  EXPECT_EQ(server_failure(" ARGS:cert=" + std::string(kCert)), PtError::kProtocolError);
  EXPECT_EQ(server_failure(" ARGS:cert=" + std::string(kCert) + "A,iat-mode=0"), PtError::kProtocolError);
  EXPECT_EQ(server_failure(" ARGS:cert=" + std::string(kCert.substr(1)) + "!,iat-mode=0"), PtError::kProtocolError);
  EXPECT_EQ(server_failure(" ARGS:cert=" + std::string(kCert) + ",iat-mode=3"), PtError::kProtocolError);
  const PtFailure failure = [&] {
    auto server = Obfs4Server::start(
        server_options(script("echo VERSION 1\necho SMETHOD-ERROR obfs4 bind: address already in use\n"
                              "echo SMETHODS DONE\n")));
    return server.ok() ? PtFailure{} : server.error();
  }();
  EXPECT_EQ(failure.error, PtError::kMethodError);
  EXPECT_EQ(failure.message, "bind: address already in use");
}

TEST_F(FakeTransport, ChildInheritsNoDescriptorOfOurs) {
  const int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  auto client =
      Obfs4Client::start(client_options(script("[ -e /proc/$$/fd/" + std::to_string(leaked) + " ] && exit 3\n" +
                                               std::string(kClientStartUp) + "exec cat > /dev/null\n")));
  close(leaked);
  ASSERT_TRUE(client.ok()) << describe(client.error());
}

TEST_F(FakeTransport, OutputAfterStartUpNeverBlocksTheChild) {
  // 1 MiB is far beyond a pipe's 64 KiB: without draining, `head` would block forever.
  auto options = client_options(script(std::string(kClientStartUp) +
                                       "head -c 1048576 /dev/zero | tr '\\0' x\necho\n"
                                       "touch \"$TOR_PT_STATE_LOCATION/finished\"\nexec cat > /dev/null\n"));
  auto client = Obfs4Client::start(options);
  ASSERT_TRUE(client.ok()) << describe(client.error());
  EXPECT_TRUE(eventually([&] { return fs::exists(options.state_dir / "finished"); }));
  EXPECT_TRUE((*client)->running());
}

TEST_F(FakeTransport, RunningTurnsFalseWhenTheChildExits) {
  auto client = Obfs4Client::start(client_options(script(std::string(kClientStartUp) + "exit 0\n")));
  ASSERT_TRUE(client.ok()) << describe(client.error());
  const int pid = (*client)->process_id();
  EXPECT_TRUE(eventually([&] { return !(*client)->running(); }));
  EXPECT_TRUE(reaped(pid));
}

TEST_F(FakeTransport, ChildIgnoringStdinGetsSigterm) {
  auto client = Obfs4Client::start(client_options(script(std::string(kClientStartUp) + "exec sleep 60\n")));
  ASSERT_TRUE(client.ok()) << describe(client.error());
  const int pid = (*client)->process_id();
  client->reset();  // waits kPtStdinCloseGrace, then SIGTERM ends `sleep`
  EXPECT_TRUE(reaped(pid));
}

TEST_F(FakeTransport, ChildIgnoringSigtermGetsSigkill) {
  // An ignored signal stays ignored across exec, so `sleep` ignores SIGTERM too.
  auto client =
      Obfs4Client::start(client_options(script(std::string(kClientStartUp) + "trap '' TERM\nexec sleep 60\n")));
  ASSERT_TRUE(client.ok()) << describe(client.error());
  const int pid = (*client)->process_id();
  EXPECT_TRUE((*client)->running());
  client->reset();  // stdin grace, SIGTERM grace, then SIGKILL
  EXPECT_TRUE(reaped(pid));
}

TEST_F(FakeTransport, FailedStartLeavesNoChild) {
  // A malformed line ends the start-up; the child ignores stdin and SIGTERM, so SIGKILL ends it.
  auto options = client_options(script(
      "echo $$ > \"$TOR_PT_STATE_LOCATION/pid\"\ntrap '' TERM\necho VERSION 1\necho CMETHOD bad\nexec sleep 60\n"));
  auto client = Obfs4Client::start(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kProtocolError);
  int pid = 0;
  std::ifstream(options.state_dir / "pid") >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(reaped(pid));
}

}  // namespace
}  // namespace hush::pt
