// Out-of-line members of the action structs (include/lake/actions.h).
#include <algorithm>

#include "lake/actions.h"

namespace lake {

// PROTOCOL.md "Deletion Vector Descriptor Schema" / "Derived Fields": uniqueId is
// <storageType><pathOrInlineDv>, plus "@<offset>" when offset is present.
std::string DeletionVectorDescriptor::UniqueId() const {
  std::string id = storage_type + path_or_inline_dv;
  if (offset) {
    id += '@';
    id += std::to_string(*offset);
  }
  return id;
}

bool Protocol::HasReaderFeature(const std::string& f) const {
  return reader_features &&
         std::find(reader_features->begin(), reader_features->end(), f) != reader_features->end();
}

bool Protocol::HasWriterFeature(const std::string& f) const {
  return writer_features &&
         std::find(writer_features->begin(), writer_features->end(), f) != writer_features->end();
}

}  // namespace lake
