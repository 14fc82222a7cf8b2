// Reflection-based wiping of protobuf string fields.
#include "proto_wipe.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "hush/crypto/secret.hpp"

namespace hush::protocol::detail {

namespace {
void wipe_string(const std::string& value) {
  // The protobuf owns this string; wiping its bytes in place is safe and keeps its size.
  crypto::secure_wipe(const_cast<char*>(value.data()), value.size());
}
}  // namespace

void wipe_proto(google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  std::string scratch;
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          wipe_string(reflection->GetRepeatedStringReference(message, field, i, &scratch));
        }
      } else {
        wipe_string(reflection->GetStringReference(message, field, &scratch));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          wipe_proto(*reflection->MutableRepeatedMessage(&message, field, i));
        }
      } else {
        wipe_proto(*reflection->MutableMessage(&message, field));
      }
    }
  }
}

}  // namespace hush::protocol::detail
