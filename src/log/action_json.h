// Serializing actions back to their Delta JSON form (PROTOCOL.md "Actions"), for checkpoint
// rows, version checksum files and commits (txn/commit_writer). The output is what the action
// parser reads back.
#pragma once

#include "lake/actions.h"
#include "util/json_writer.h"

namespace lake::log {

// Each writes one JSON object (the action body, without the {"add": ...} wrapper).
void WriteAddJson(JsonWriter& w, const AddFile& a, bool with_stats = true);
// `checkpoint`: the checkpoint form of a tombstone (PROTOCOL.md "Checkpoints": no stats, no
// tags).
void WriteRemoveJson(JsonWriter& w, const RemoveFile& r, bool checkpoint);
void WriteMetadataJson(JsonWriter& w, const Metadata& m);
void WriteProtocolJson(JsonWriter& w, const Protocol& p);
void WriteTxnJson(JsonWriter& w, const Txn& t);
void WriteDomainMetadataJson(JsonWriter& w, const DomainMetadata& d);
void WriteDeletionVectorJson(JsonWriter& w, const DeletionVectorDescriptor& dv);
void WritePartitionValuesJson(JsonWriter& w, const PartitionValues& pv);
void WriteCdcJson(JsonWriter& w, const AddCdcFile& c);
void WriteCheckpointMetadataJson(JsonWriter& w, const CheckpointMetadata& c);
void WriteSidecarJson(JsonWriter& w, const Sidecar& s);

}  // namespace lake::log
