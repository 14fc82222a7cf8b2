// Unlocking: a wrong passphrase or key file is named as such (from the sealed data key, before
// anything else is read); a key file others could read is refused with its own error; arguments
// and stored costs are bounded; files and folders are created private.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

protocol::IdentityKeyPair some_identity() {
  crypto::SeededRng rng(21);
  return protocol::IdentityKeyPair::generate(rng);
}

Result<std::unique_ptr<ClientStore>, StoreError> create_store(const std::filesystem::path& home, const Unlock& unlock,
                                                              const StoreOptions& options = cheap_options()) {
  return ClientStore::create(home, unlock, some_identity(), 1234, options);
}

std::uint32_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST(StoreUnlock, WrongPassphraseIsToldApart) {
  ScratchFolder home;
  ASSERT_TRUE(create_store(home.path(), passphrase("right")).ok());
  auto wrong = ClientStore::open(home.path(), passphrase("wrong"), cheap_options());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error(), StoreError::kWrongPassphrase);
  EXPECT_STREQ(describe(wrong.error()), "the passphrase does not unlock this store");
  auto right = ClientStore::open(home.path(), passphrase("right"), cheap_options());
  ASSERT_TRUE(right.ok()) << to_string(right.error());
  EXPECT_EQ((*right)->identities().local_registration_id(), 1234u);
}

TEST(StoreUnlock, DefaultCostIsRecordedAndUnlocks) {
  ScratchFolder home;
  ASSERT_TRUE(create_store(home.path(), passphrase("pass"), StoreOptions{}).ok());
  EXPECT_EQ(
      RawDatabase(home.path() / "store.sqlite3").query("SELECT kdf_operations || ',' || kdf_memory FROM store_key"),
      std::to_string(kDefaultKdf.operations) + "," + std::to_string(kDefaultKdf.memory_bytes));
  EXPECT_TRUE(ClientStore::open(home.path(), passphrase("pass")).ok());
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("Pass")).error(), StoreError::kWrongPassphrase);
}

TEST(StoreUnlock, StoredCostIsUsedNotTheOptions) {
  ScratchFolder home;
  StoreOptions options = cheap_options();
  options.kdf = {2, 2 * crypto::kArgon2idMinMemory};
  ASSERT_TRUE(create_store(home.path(), passphrase("pass"), options).ok());
  EXPECT_EQ(
      RawDatabase(home.path() / "store.sqlite3").query("SELECT kdf_operations || ',' || kdf_memory FROM store_key"),
      "2,16384");
  EXPECT_TRUE(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).ok());
}

TEST(StoreUnlock, WrongMethodIsToldApart) {
  ScratchFolder folder;
  ASSERT_TRUE(create_key_file(folder.path() / "key").ok());
  ASSERT_TRUE(create_store(folder.path() / "a", passphrase("pass")).ok());
  ASSERT_TRUE(create_store(folder.path() / "b", key_file(folder.path() / "key")).ok());
  EXPECT_EQ(ClientStore::open(folder.path() / "a", key_file(folder.path() / "key")).error(),
            StoreError::kWrongUnlockMethod);
  EXPECT_EQ(ClientStore::open(folder.path() / "b", passphrase("pass")).error(), StoreError::kWrongUnlockMethod);
}

TEST(StoreUnlock, AnotherKeyFileIsTheWrongKey) {
  ScratchFolder folder;
  ASSERT_TRUE(create_key_file(folder.path() / "key").ok());
  ASSERT_TRUE(create_key_file(folder.path() / "other.key").ok());
  ASSERT_TRUE(create_store(folder.path() / "home", key_file(folder.path() / "key")).ok());
  EXPECT_EQ(ClientStore::open(folder.path() / "home", key_file(folder.path() / "other.key")).error(),
            StoreError::kWrongKeyFile);
  EXPECT_TRUE(ClientStore::open(folder.path() / "home", key_file(folder.path() / "key")).ok());
}

TEST(StoreUnlock, KeyFileIsCreatedPrivateAndNeverOverwritten) {
  ScratchFolder folder;
  const auto path = folder.path() / "key";
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the key file
  auto created = create_key_file(path);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(mode_of(path), 0600u);
  const Bytes key = read_file(path);
  EXPECT_EQ(key.size(), kKeyFileSize);
  EXPECT_NE(key, Bytes(kKeyFileSize, 0));
  EXPECT_EQ(create_key_file(path).error(), StoreError::kAlreadyExists);
  EXPECT_EQ(read_file(path), key);
}

TEST(StoreUnlock, KeyFileReadableByOthersIsRefused) {
  ScratchFolder folder;
  const auto path = folder.path() / "key";
  ASSERT_TRUE(create_key_file(path).ok());
  ASSERT_TRUE(create_store(folder.path() / "home", key_file(path)).ok());
  for (mode_t mode : {0640, 0604, 0660, 0606, 0620, 0602, 0610}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto opened = ClientStore::open(folder.path() / "home", key_file(path));
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error(), StoreError::kKeyFileInsecure);
    EXPECT_EQ(create_store(folder.path() / "other", key_file(path)).error(), StoreError::kKeyFileInsecure);
  }
  EXPECT_NE(std::string(describe(StoreError::kKeyFileInsecure)).find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);  // read-only for its owner is fine
  EXPECT_TRUE(ClientStore::open(folder.path() / "home", key_file(path)).ok());
}

TEST(StoreUnlock, MissingOrMalformedKeyFileIsNamed) {
  ScratchFolder folder;
  EXPECT_EQ(create_store(folder.path() / "home", key_file(folder.path() / "missing")).error(),
            StoreError::kKeyFileUnreadable);
  const auto short_file = folder.path() / "short";
  { std::ofstream(short_file) << "only a few bytes"; }
  ASSERT_EQ(::chmod(short_file.c_str(), 0600), 0);
  EXPECT_EQ(create_store(folder.path() / "home", key_file(short_file)).error(), StoreError::kKeyFileInvalid);
  const auto directory = folder.path() / "a-directory";
  std::filesystem::create_directories(directory);
  ASSERT_EQ(::chmod(directory.c_str(), 0700), 0);
  EXPECT_EQ(create_store(folder.path() / "home", key_file(directory)).error(), StoreError::kKeyFileInvalid);
  EXPECT_FALSE(std::filesystem::exists(folder.path() / "home" / "store.sqlite3")) << "checked before any file";
}

TEST(StoreUnlock, ArgumentsAreBounded) {
  ScratchFolder home;
  EXPECT_EQ(create_store(home.path(), passphrase("")).error(), StoreError::kInvalidArgument);
  EXPECT_EQ(create_store(home.path(), passphrase(std::string(kMaxPassphraseSize + 1, 'p'))).error(),
            StoreError::kInvalidArgument);
  StoreOptions options = cheap_options();
  options.kdf = {kMaxKdfOperations + 1, kMinKdfMemory};
  EXPECT_EQ(create_store(home.path(), passphrase("pass"), options).error(), StoreError::kInvalidArgument);
  options.kdf = {1, kMaxKdfMemory + 1};
  EXPECT_EQ(create_store(home.path(), passphrase("pass"), options).error(), StoreError::kInvalidArgument);
  options = cheap_options();
  options.max_record_size = kMaxStoredRecordSize + 1;
  EXPECT_EQ(create_store(home.path(), passphrase("pass"), options).error(), StoreError::kInvalidArgument);
  EXPECT_TRUE(create_store(home.path(), passphrase(std::string(kMaxPassphraseSize, 'p'))).ok());
}

TEST(StoreUnlock, StoredCostOutOfBoundsIsCorruptNotAttempted) {
  ScratchFolder home;
  ASSERT_TRUE(create_store(home.path(), passphrase("pass")).ok());
  RawDatabase raw(home.path() / "store.sqlite3");
  raw.exec("UPDATE store_key SET kdf_memory = " + std::to_string(kMaxKdfMemory + 1024));
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  raw.exec("UPDATE store_key SET kdf_memory = 8192, kdf_operations = " + std::to_string(kMaxKdfOperations + 1));
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  raw.exec("UPDATE store_key SET kdf_operations = 1, salt = x'00'");
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
}

TEST(StoreUnlock, CreateRefusesAnExistingStoreAndOpenAMissingOne) {
  ScratchFolder home;
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass")).error(), StoreError::kNotFound);
  ASSERT_TRUE(create_store(home.path(), passphrase("pass")).ok());
  EXPECT_EQ(create_store(home.path(), passphrase("pass")).error(), StoreError::kAlreadyExists);
  EXPECT_EQ(create_store(home.path(), passphrase("other")).error(), StoreError::kAlreadyExists);
  EXPECT_TRUE(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).ok());
}

TEST(StoreUnlock, HomeAndDatabaseArePrivate) {
  ScratchFolder folder;
  const auto home = folder.path() / "new-home";
  auto created = create_store(home, passphrase("pass"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(mode_of(home), 0700u);
  EXPECT_EQ(mode_of((*created)->path()), 0600u);
  EXPECT_EQ((*created)->path(), home / "store.sqlite3");
}

}  // namespace
}  // namespace hush::client::test
