// lake checkpoint TABLE [--json] [--crc]: writes a checkpoint of the latest version.
#include <iostream>

#include "cli/cli_common.h"
#include "log/checkpoint_writer.h"
#include "log/version_checksum.h"
#include "util/json_writer.h"

namespace lake::cli {
namespace {

void Checkpoint(const std::string& table, bool json, bool crc) {
  auto snap = OpenSnapshot(table, std::nullopt, std::nullopt);
  CheckpointInfo info = OrDie(WriteCheckpoint(*snap), "checkpoint");
  if (crc) OrDie(WriteVersionChecksum(*snap), "checkpoint");
  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("version").Int(info.version);
    w.Key("path").String(info.key);
    w.Key("size").Int(info.num_actions);
    w.Key("sizeInBytes").Int(info.size_in_bytes);
    w.Key("numOfAddFiles").Int(info.num_add_files);
    w.Key("numTombstones").Int(info.num_tombstones);
    w.Key("numExpiredTombstones").Int(info.num_expired_tombstones);
    w.EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  std::cout << "checkpoint at version " << info.version << ": " << info.num_actions
            << " actions, " << info.num_add_files << " files, " << info.num_tombstones
            << " tombstones, " << FormatBytes(info.size_in_bytes) << " -> " << info.key << "\n";
}

}  // namespace

void RegisterCheckpoint(CLI::App& app) {
  auto* cmd = app.add_subcommand("checkpoint", "Write a checkpoint of the latest version");
  auto table = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto crc = std::make_shared<bool>(false);
  cmd->add_option("TABLE", *table, "Table path or file:// URI")->required();
  cmd->add_flag("--json", *json, "Print the result as JSON");
  cmd->add_flag("--crc", *crc, "Also write the version checksum (<v>.crc) if absent");
  cmd->callback([table, json, crc] { Checkpoint(*table, *json, *crc); });
}

}  // namespace lake::cli
