// The reference backend: everything in memory behind one mutex, lost when it is destroyed. For
// tests and for the conformance suite's reading of what each interface promises; a server that
// must not lose messages uses sqlite_storage.hpp.
#pragma once

#include <memory>

#include "hush/storage/options.hpp"
#include "hush/storage/storage.hpp"

namespace hush::storage {

// Thread safety: all stores of the result may be used concurrently; one mutex serialises calls.
std::unique_ptr<Storage> make_memory_storage(const Options& options = {});

}  // namespace hush::storage
