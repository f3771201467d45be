// Per-location store settings that take precedence over the environment: the S3 endpoint,
// region, addressing style and credentials of one table (catalog table properties) or of a
// whole run (`lake --s3-endpoint ...`). Stores opened at or below a registered location use
// them (ConfigFromUri); settings not given fall back to the AWS_* variables.
//
// Keys (as Iceberg's catalog properties name them): s3.endpoint, s3.region,
// s3.addressing-style (path|virtual), s3.access-key-id, s3.secret-access-key,
// s3.session-token. Other keys are ignored here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lake {

using StoreSettings = std::map<std::string, std::string>;

// Registers `settings` (only the s3.* keys are kept) for `location` and everything below it
// ("s3://" for every S3 location). A later call for the same location replaces the earlier.
void SetStoreOverrides(std::string_view location, const StoreSettings& settings);
void ClearStoreOverrides();

// The settings that apply to `uri`: those of every registered location that is `uri` or one
// of its parents, the longest (most specific) location winning per key.
StoreSettings StoreOverridesFor(std::string_view uri);

// True for keys whose values are secrets: never printed (see MaskSecret).
bool IsSecretSetting(std::string_view key);
// `value`, or "****" when `key` is a secret.
std::string MaskSecret(std::string_view key, const std::string& value);

}  // namespace lake
