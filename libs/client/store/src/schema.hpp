// Internal: the client database's schema as an ordered list of migrations (libs/sqlite applies
// them on open). The store owns the schema of the whole client database: the tables the rest of
// libs/client adds (contacts, conversations, messages, attachments, outbox) come as new migrations
// here. A migration, once released, never changes.
#pragma once

#include <span>

#include "hush/sqlite/migrations.hpp"

namespace hush::client::detail {

// All migrations, in order; the last one's version is kClientStoreSchemaVersion.
std::span<const sqlite::Migration> client_migrations();

}  // namespace hush::client::detail
