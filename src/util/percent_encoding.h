// Percent-encoding (RFC 3986) for Delta paths, partition values in checkpoint paths, S3 keys and
// file URIs: one implementation for every module.
#pragma once

#include <string>
#include <string_view>

namespace lake {

// Encodes every byte except the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) and the
// characters listed in `keep` as %XX (upper-case hex).
std::string PercentEncode(std::string_view s, std::string_view keep = {});

// True when PercentEncode(…, keep) leaves `c` as is.
bool PercentEncodeKeeps(char c, std::string_view keep = {});

// Decodes %XX sequences; a '%' not followed by two hex digits is kept as is.
std::string PercentDecode(std::string_view s);

// 0..15 for a hex digit, -1 otherwise.
int HexDigitValue(char c);

}  // namespace lake
