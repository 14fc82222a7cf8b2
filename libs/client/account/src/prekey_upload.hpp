// Internal: generating prekeys, storing them inside one store transaction, and building the
// UploadKeys request that publishes their public halves. Keys are always stored (and committed)
// before they are uploaded, so the server never hands out a key this device does not have.
#pragma once

#include <cstdint>
#include <vector>

#include "hush/client/store/transaction.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/wire/api.pb.h"

namespace hush::client::detail {

// The id after `count` ids from `start`, wrapping within [1, kMediumMaxValue - 1] as
// protocol::generate_prekeys does (kMediumMaxValue itself is the last-resort key's id).
std::uint32_t next_prekey_id(std::uint32_t start, std::uint32_t count);

wire::api::PreKey to_wire(const protocol::PreKeyRecord& record);
wire::api::SignedPreKey to_wire(const protocol::SignedPreKeyRecord& record);

}  // namespace hush::client::detail
