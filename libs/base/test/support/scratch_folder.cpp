// ScratchFolder: mkdtemp under GoogleTest's temporary directory.
#include "scratch_folder.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <stdexcept>
#include <string>
#include <system_error>

namespace hush::test {

ScratchFolder::ScratchFolder(std::string_view prefix) {
  std::string pattern = (std::filesystem::path(::testing::TempDir()) / (std::string(prefix) + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

ScratchFolder::~ScratchFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace hush::test
