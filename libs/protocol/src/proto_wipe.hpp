// Internal: wipes every bytes/string field of a protobuf message in place (recursively), so that
// keys copied into a storage proto for (de)serialization do not linger in freed memory.
#pragma once

namespace google::protobuf {
class Message;
}

namespace hush::protocol::detail {

void wipe_proto(google::protobuf::Message& message);

}  // namespace hush::protocol::detail
