// Fault-injection hooks of the stores, for tests only (never set outside tests).
#pragma once

#include <atomic>

namespace lake::storage_test {

// LocalStore: the next N directory fsyncs (after a put's rename or link) fail with EIO, as a
// disk error after the commit file is already in place would.
extern std::atomic<int> fail_dir_fsyncs;

}  // namespace lake::storage_test
