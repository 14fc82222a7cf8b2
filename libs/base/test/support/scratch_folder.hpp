// ScratchFolder: a fresh empty folder for one test, under the test temporary directory, removed
// with everything in it. Test-only (hush::scratch_folder); used by the storage and client store
// tests, which need real files.
#pragma once

#include <filesystem>
#include <string_view>

namespace hush::test {

class ScratchFolder {
 public:
  // `prefix` names the folder (e.g. "hush-storage") so a leftover one says whose it was.
  explicit ScratchFolder(std::string_view prefix = "hush-test");
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace hush::test
