// UTF-8 helpers shared by the S3 XML parser and the statistics writer.
#pragma once

#include <cstdint>
#include <string>

namespace lake {

// Appends code point `cp` (≤ 0x10FFFF) to `out` as UTF-8.
void AppendUtf8(std::string* out, uint32_t cp);

}  // namespace lake
