// The endpoint list and its file: round trip, order, add/remove/put first, the limits (number of
// endpoints, file size, nesting), corrupt files refused by name and never replaced, permissions,
// and passwords kept out of descriptions and errors.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "hush/client/endpoints/endpoint_list.hpp"

namespace hush::client {
namespace {

Endpoint endpoint(const std::string& url, const std::string& via = "", std::optional<std::string> sni = std::nullopt,
                  std::optional<std::string> host = std::nullopt) {
  Endpoint result;
  result.address = parse_server_url(url).value();
  if (!via.empty()) result.via = parse_proxy_url(via).value();
  result.sni = std::move(sni);
  result.host = std::move(host);
  return result;
}

class EndpointsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hush-endpoints-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    folder_ = pattern;
    home_ = folder_ / "home";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }
  void write_file(const std::string& text) {
    std::filesystem::create_directories(home_);
    std::ofstream(endpoints_file(home_), std::ios::binary) << text;
  }
  std::string read_file() const {
    std::ifstream in(endpoints_file(home_), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static std::string file_with(const std::string& entries) {
    return "{\"version\": 1, \"endpoints\": [" + entries + "]}";
  }

  std::filesystem::path folder_;
  std::filesystem::path home_;
};

TEST_F(EndpointsFileTest, NoFileIsAnEmptyList) {
  auto loaded = load_endpoints(home_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->empty());
  EXPECT_FALSE(std::filesystem::exists(home_));  // reading creates nothing
}

TEST_F(EndpointsFileTest, RoundTripKeepsOrderAndEveryField) {
  const std::vector<Endpoint> list{
      endpoint("wss://chat.example.org:443"),
      endpoint("wss://[2001:db8::1]:8443", "socks5://user%3Aname:p%40ss%20word@127.0.0.1:9050"),
      endpoint("wss://front.example:443", "http://proxy.example:3128", "front.example", "chat.example.org"),
      endpoint("wss://10.0.0.1:443", "", "", std::nullopt),
  };
  ASSERT_TRUE(save_endpoints(home_, list).ok());
  auto loaded = load_endpoints(home_);
  ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
  EXPECT_EQ(*loaded, list);
  EXPECT_EQ((*loaded)[1].via->username, "user:name");
  EXPECT_EQ((*loaded)[1].via->password, "p@ss word");
  EXPECT_EQ((*loaded)[3].sni, std::optional<std::string>(""));  // "" (no SNI) is not "unset"
  // The text is the same when written again.
  const std::string text = read_file();
  ASSERT_TRUE(save_endpoints(home_, *loaded).ok());
  EXPECT_EQ(read_file(), text);
}

TEST_F(EndpointsFileTest, HomeAndFileArePrivate) {
  ASSERT_TRUE(add_endpoint(home_, endpoint("wss://a.example:443", "socks5://u:secret@127.0.0.1:9050")).ok());
  struct stat status {};
  ASSERT_EQ(::stat(home_.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(endpoints_file(home_).c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  // No temporary file is left beside it.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(home_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u);
}

TEST_F(EndpointsFileTest, AddAppendsRemoveAndPutFirstReorder) {
  const Endpoint a = endpoint("wss://a.example:443");
  const Endpoint b = endpoint("wss://b.example:443", "http://127.0.0.1:8080");
  const Endpoint c = endpoint("wss://c.example:443", "", "front.example");
  EXPECT_EQ(add_endpoint(home_, a).value(), 1u);
  EXPECT_EQ(add_endpoint(home_, b).value(), 2u);
  EXPECT_EQ(add_endpoint(home_, c).value(), 3u);
  EXPECT_EQ(load_endpoints(home_).value(), (std::vector<Endpoint>{a, b, c}));

  auto duplicate = add_endpoint(home_, b);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().error, EndpointsError::kDuplicate);
  // Another proxy or SNI makes another endpoint.
  EXPECT_EQ(add_endpoint(home_, endpoint("wss://b.example:443")).value(), 4u);

  EXPECT_EQ(remove_endpoint(home_, 2).value(), b);
  EXPECT_EQ(load_endpoints(home_).value(), (std::vector<Endpoint>{a, c, endpoint("wss://b.example:443")}));
  for (const std::size_t missing : {std::size_t{0}, std::size_t{4}}) {
    auto removed = remove_endpoint(home_, missing);
    ASSERT_FALSE(removed.ok());
    EXPECT_EQ(removed.error().error, EndpointsError::kNotFound);
  }

  ASSERT_TRUE(put_endpoint_first(home_, c).ok());  // moved, not copied
  EXPECT_EQ(load_endpoints(home_).value(), (std::vector<Endpoint>{c, a, endpoint("wss://b.example:443")}));
  ASSERT_TRUE(put_endpoint_first(home_, b).ok());  // new: inserted
  EXPECT_EQ(load_endpoints(home_)->front(), b);
  EXPECT_EQ(load_endpoints(home_)->size(), 4u);
}

TEST_F(EndpointsFileTest, AtMostKMaxEndpoints) {
  for (std::size_t i = 1; i <= kMaxEndpoints; ++i) {
    ASSERT_EQ(add_endpoint(home_, endpoint("wss://h" + std::to_string(i) + ".example:443")).value(), i);
  }
  auto extra = add_endpoint(home_, endpoint("wss://one-more.example:443"));
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().error, EndpointsError::kTooMany);
  auto first = put_endpoint_first(home_, endpoint("wss://one-more.example:443"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().error, EndpointsError::kTooMany);
  // One already in the list may still move to the front.
  EXPECT_TRUE(put_endpoint_first(home_, endpoint("wss://h9.example:443")).ok());
  EXPECT_EQ(load_endpoints(home_)->size(), kMaxEndpoints);

  // A file with one more than the limit was not written by hush.
  std::string entries;
  for (std::size_t i = 0; i <= kMaxEndpoints; ++i) {
    entries += (i ? "," : "") + std::string("{\"url\":\"wss://h") + std::to_string(i) + ".example:443\"}";
  }
  auto parsed = parse_endpoints(file_with(entries));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().error, EndpointsError::kCorrupt);
  EXPECT_NE(parsed.error().detail.find("more than 16"), std::string::npos);
}

TEST_F(EndpointsFileTest, AtMostKMaxEndpointsFileSize) {
  // Valid JSON padded with spaces: exactly at the limit it parses, one byte more does not.
  const std::string base = file_with("{\"url\":\"wss://a.example:443\"}");
  std::string at_limit = base + std::string(kMaxEndpointsFileSize - base.size(), ' ');
  ASSERT_EQ(at_limit.size(), kMaxEndpointsFileSize);
  EXPECT_TRUE(parse_endpoints(at_limit).ok());
  write_file(at_limit + " ");
  auto loaded = load_endpoints(home_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().error, EndpointsError::kTooLarge);
  EXPECT_NE(loaded.error().detail.find(endpoints_file(home_).string()), std::string::npos);
}

TEST_F(EndpointsFileTest, CorruptFilesAreRefusedByNameAndKept) {
  const std::string ok_entry = "{\"url\":\"wss://a.example:443\"}";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "not JSON"},
      {"{\"version\": 1, \"endpoints\": [", "not JSON"},
      {"[]", "not a JSON object"},
      {"{\"endpoints\": []}", "version"},
      {"{\"version\": 2, \"endpoints\": []}", "version"},
      {"{\"version\": \"1\", \"endpoints\": []}", "version"},
      {"{\"version\": 1.0, \"endpoints\": []}", "version"},
      {"{\"version\": 1}", "\"endpoints\" is not an array"},
      {"{\"version\": 1, \"endpoints\": {}}", "\"endpoints\" is not an array"},
      {"{\"version\": 1, \"endpoints\": [], \"extra\": 0}", "unknown member"},
      {"{\"version\": 1, \"version\": 1, \"endpoints\": []}", "twice"},
      {file_with("{\"url\":\"wss://a.example:443\", \"url\":\"wss://b.example:443\"}"), "twice"},
      {file_with("[[]]"), "nested deeper"},
      {file_with("{\"url\":{\"a\":1}}"), "nested deeper"},
      {file_with("1"), "endpoint 1: not an object"},
      {file_with(ok_entry + ",{}"), "endpoint 2: no \"url\""},
      {file_with("{\"url\":\"https://a.example:443\"}"), "endpoint 1: \"url\""},
      {file_with("{\"url\":\"wss://a.example\"}"), "endpoint 1: \"url\""},
      {file_with("{\"url\":1}"), "endpoint 1: \"url\" is not a string"},
      {file_with("{\"url\":\"wss://a.example:443\",\"via\":null}"), "\"via\" is not a string"},
      {file_with("{\"url\":\"wss://a.example:443\",\"via\":\"socks4://u:secret@h:1\"}"), "endpoint 1: \"via\""},
      {file_with("{\"url\":\"wss://a.example:443\",\"sni\":\"10.0.0.1\"}"), "malformed"},
      {file_with("{\"url\":\"wss://a.example:443\",\"host\":\"a\\r\\nX: y\"}"), "malformed"},
      {file_with("{\"url\":\"wss://a.example:443\",\"port\":1}"), "endpoint 1: unknown member"},
      {file_with(ok_entry + "," + ok_entry), "endpoint 2: the same as an earlier one"},
      {"{\"version\": 1, \"endpoints\": [\"\xff\"]}", "not JSON"},
  };
  for (const auto& [text, expected] : cases) {
    write_file(text);
    auto loaded = load_endpoints(home_);
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.error().error, EndpointsError::kCorrupt) << text;
    EXPECT_NE(loaded.error().detail.find(endpoints_file(home_).string() + ": "), std::string::npos) << text;
    EXPECT_NE(loaded.error().detail.find(expected), std::string::npos) << text << " -> " << loaded.error().detail;
    EXPECT_EQ(loaded.error().detail.find("secret"), std::string::npos);
    // Changing the list fails the same way and leaves the file as it was.
    auto added = add_endpoint(home_, endpoint("wss://b.example:443"));
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error().error, EndpointsError::kCorrupt);
    EXPECT_EQ(read_file(), text);
  }
}

TEST_F(EndpointsFileTest, InvalidEndpointsAreNotSaved) {
  Endpoint bad_sni = endpoint("wss://a.example:443");
  bad_sni.sni = "not a name";
  Endpoint bad_host = endpoint("wss://a.example:443");
  bad_host.host = "a.example\r\nInjected: 1";
  Endpoint no_proxy = endpoint("wss://a.example:443");
  no_proxy.via = ProxySettings{};
  for (const Endpoint& bad : {bad_sni, bad_host, no_proxy}) {
    auto added = add_endpoint(home_, bad);
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error().error, EndpointsError::kInvalidEndpoint);
    EXPECT_FALSE(save_endpoints(home_, {bad}).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(endpoints_file(home_)));
}

TEST(EndpointTest, DescribeMasksThePassword) {
  const Endpoint e = endpoint("wss://chat.example.org:443", "socks5://alice:hunter2@127.0.0.1:9050", "front.example",
                              "chat.example.org");
  const std::string text = describe(e);
  EXPECT_EQ(text,
            "wss://chat.example.org:443 via socks5://alice:***@127.0.0.1:9050 sni front.example host chat.example.org");
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(EndpointTest, ConnectionOptionsAndBack) {
  const ServerAddress server{"chat.example.org", 443};
  ConnectionOptions base;
  base.connect_timeout = std::chrono::milliseconds{1234};
  base.proxy = parse_proxy_url("socks5://127.0.0.1:1");  // replaced by the endpoint's
  // The server's own address: no fronting, no proxy.
  const ConnectionOptions direct = connection_options(endpoint("wss://chat.example.org:443"), server, base);
  EXPECT_EQ(direct.connect_timeout, base.connect_timeout);
  EXPECT_FALSE(direct.proxy.has_value());
  EXPECT_TRUE(direct.fronting.connect_host.empty());
  EXPECT_FALSE(direct.fronting.sni.has_value());
  // Another address of the same server: TCP there, names still the server's.
  const Endpoint other = endpoint("wss://192.0.2.7:8443", "http://proxy.example:3128", "front.example", "h.example");
  const ConnectionOptions fronted = connection_options(other, server, base);
  EXPECT_EQ(fronted.fronting.connect_host, "192.0.2.7");
  EXPECT_EQ(fronted.fronting.connect_port, 8443);
  EXPECT_EQ(fronted.proxy->host, "proxy.example");
  EXPECT_EQ(fronted.fronting.sni, std::optional<std::string>("front.example"));
  EXPECT_EQ(fronted.fronting.host_header, std::optional<std::string>("h.example"));
  EXPECT_EQ(endpoint_from(server, fronted), other);
  EXPECT_EQ(endpoint_from(server, direct), endpoint("wss://chat.example.org:443"));
}

}  // namespace
}  // namespace hush::client

namespace hush::client {
namespace {

const std::string kCert = std::string(69, 'B') + "+";

TEST(Obfs4EndpointTest, ArgumentsRoundTripAndAreChecked) {
  const Obfs4Bridge bridge{kCert, 1};
  EXPECT_EQ(format_obfs4_arguments(bridge), "cert=" + kCert + ";iat-mode=1");
  EXPECT_EQ(parse_obfs4_arguments(format_obfs4_arguments(bridge)), bridge);
  EXPECT_FALSE(parse_obfs4_arguments("cert=" + kCert + ";iat-mode=3"));
  EXPECT_FALSE(parse_obfs4_arguments("cert=" + kCert.substr(1) + ";iat-mode=0"));
  EXPECT_FALSE(parse_obfs4_arguments("cert=" + std::string(69, 'B') + "-;iat-mode=0"));
  EXPECT_FALSE(parse_obfs4_arguments("iat-mode=0;cert=" + kCert));

  Endpoint endpoint;
  endpoint.address = {"198.51.100.7", 9443};
  endpoint.obfs4 = bridge;
  EXPECT_TRUE(check_endpoint(endpoint).ok());
  EXPECT_EQ(describe(endpoint), "wss://198.51.100.7:9443 via obfs4");
  endpoint.via = parse_proxy_url("socks5://127.0.0.1:9050");
  EXPECT_FALSE(check_endpoint(endpoint).ok()) << "obfs4 goes through its own obfs4proxy, never --via";
  endpoint.via.reset();
  endpoint.obfs4->iat_mode = 5;
  EXPECT_FALSE(check_endpoint(endpoint).ok());
}

TEST(Obfs4EndpointTest, TheFileKeepsABridgeAndRefusesABrokenOne) {
  Endpoint endpoint;
  endpoint.address = {"198.51.100.7", 9443};
  endpoint.obfs4 = Obfs4Bridge{kCert, 0};
  const std::string text = serialize_endpoints({endpoint});
  EXPECT_NE(text.find("\"obfs4\": \"cert=" + kCert + ";iat-mode=0\""), std::string::npos) << text;
  auto parsed = parse_endpoints(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0], endpoint);

  std::string broken = text;
  broken.replace(broken.find("iat-mode=0"), 10, "iat-mode=9");
  auto refused = parse_endpoints(broken);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error, EndpointsError::kCorrupt);
  EXPECT_NE(refused.error().detail.find("obfs4"), std::string::npos);
}

}  // namespace
}  // namespace hush::client
