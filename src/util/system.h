// Small wrappers over the C library that several modules need.
#pragma once

#include <cstdint>
#include <string>

namespace lake {

// Wall-clock milliseconds since the Unix epoch (commit timestamps, retention windows, ages).
int64_t NowMs();

// The environment variable `name`, or "" when it is unset.
std::string Getenv(const char* name);

}  // namespace lake
