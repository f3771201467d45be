// A schema check of commit lines against PROTOCOL.md "Actions": every line is one JSON object
// holding exactly one action, whose required fields are present with the protocol's types
// (and optional ones, when present, too). Used on every commit line the tests write, and by
// Transaction::Commit before the put (a bug in lake must not reach the log).
#pragma once

#include <string_view>

#include "lake/status.h"

namespace lake::txn {

// One line (no newline). InvalidArgument "commit schema: <action>.<field>: <problem>".
Status ValidateActionLine(std::string_view line);

// A whole commit file: every line valid, newline-terminated, commitInfo (if any) first, at
// most one commitInfo / protocol / metaData, no path added or removed twice.
Status ValidateCommit(std::string_view data);

}  // namespace lake::txn
