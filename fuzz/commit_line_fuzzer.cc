// libFuzzer target: one commit line (and the same bytes as a whole commit file) through the
// action parser. Any input must yield OK or a non-OK Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "log/action_parser.h"

namespace {
class CountingVisitor : public lake::log::ActionVisitor {
 public:
  size_t n = 0;
  lake::Status OnAdd(lake::AddFile& a) override {
    n += a.path.size() + (a.deletion_vector ? a.deletion_vector->UniqueId().size() : 0);
    return lake::Status::OK();
  }
  lake::Status OnCommitInfo(lake::CommitInfo& c) override {
    n += c.json.size();
    return lake::Status::OK();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CountingVisitor v;
  (void)lake::log::ParseActionLine(input, v);
  (void)lake::log::ParseCommitFile(input, "fuzz.json", v);
  return 0;
}
