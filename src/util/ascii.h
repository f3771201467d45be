// ASCII-only case folding (SQL identifiers, Delta column names, HTTP header names): no locale.
#pragma once

#include <string>
#include <string_view>

namespace lake {

std::string AsciiLower(std::string_view s);

}  // namespace lake
