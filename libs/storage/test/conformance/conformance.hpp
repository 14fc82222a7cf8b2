// The storage conformance suite: every behaviour the interfaces promise, written once against
// Storage and run for each backend (backends.cpp). A new backend passes this suite or is not done.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "hush/storage/storage.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {

struct Backend {
  std::string name;
  // Opens a fresh, empty storage that keeps its files (if any) in `folder`.
  std::function<std::unique_ptr<Storage>(const Options& options, const std::filesystem::path& folder)> open;
};

class ConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { reopen_empty(Options{}); }

  // Replaces the storage with a fresh empty one enforcing `options` (for tests of small limits).
  void reopen_empty(const Options& options);

  Storage& storage() { return *storage_; }
  AccountStore& accounts() { return storage_->accounts(); }
  KeyDirectory& keys() { return storage_->keys(); }
  MessageQueues& messages() { return storage_->messages(); }
  MediaStore& media() { return storage_->media(); }

  // Creates account `username` with one device; returns the device's address.
  DeviceAddress make_device(const std::string& username);

 private:
  std::unique_ptr<ScratchFolder> folder_;  // declared first: outlives the storage that uses it
  std::unique_ptr<Storage> storage_;
};

// One fixture per interface, so test names say what they cover.
class AccountsConformance : public ConformanceTest {};
class LinksConformance : public ConformanceTest {};
class KeyDirectoryConformance : public ConformanceTest {};
class MessageQueueConformance : public ConformanceTest {};
class FanoutConformance : public ConformanceTest {};
class MediaStoreConformance : public ConformanceTest {};

}  // namespace hush::storage::test
