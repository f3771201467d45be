// Deletion vectors (PROTOCOL.md "Deletion Vectors", "Deletion Vector Format").
//
// A deletion vector (DV) is the set of row indexes (0-based positions in the data file) that are
// logically deleted from one data file. It is serialized as a "RoaringBitmapArray": the 4-byte
// little-endian magic 1681511377 followed by a 64-bit roaring bitmap in the portable format
// (8-byte LE bucket count, then per bucket a 4-byte LE high key and a 32-bit portable roaring
// bitmap). It is stored
//   'u': in a file under the table root, named from a UUID (optionally under a random prefix),
//   'p': in a file at an absolute URI,
//   'i': inline in the log, Z85-encoded.
// A file holds a version byte (1) and then, at each DV's offset: a 4-byte big-endian size, the
// serialized bitmap, and a 4-byte big-endian CRC-32 of the bitmap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lake/actions.h"
#include "lake/object_store.h"
#include "lake/status.h"

namespace lake {

// The RoaringBitmapArray magic number of the portable 64-bit format Delta writes.
inline constexpr uint32_t kDeletionVectorMagic = 1681511377;

// Decodes Z85 (ZeroMQ RFC 32; the base85 variant the Delta protocol uses): every 5 characters
// become 4 bytes, big-endian. Corruption when the length is not a multiple of 5, a character is
// outside the Z85 alphabet, or a group overflows 32 bits.
Result<std::string> Z85Decode(std::string_view text);

// The canonical textual UUID ("d2c639aa-8816-431a-aaf6-d3fe2512ff61") encoded by the 20 Z85
// characters `z85` (the 16 UUID bytes in big-endian order).
Result<std::string> UuidFromZ85(std::string_view z85);

// For storageType 'u': the key of the DV file relative to the table root,
// "[<random prefix>/]deletion_vector_<uuid>.bin". InvalidArgument for other storage types.
Result<std::string> DeletionVectorRelativePath(const DeletionVectorDescriptor& dv);

// The serialized RoaringBitmapArray of `dv` (magic + 64-bit portable bitmap, exactly
// dv.size_in_bytes bytes): decoded from the log for 'i'; read from the file at dv.offset for
// 'u' and 'p', with the size prefix and the CRC-32 checked. `table_store` is rooted at the table.
Result<std::string> ReadDeletionVectorBytes(ObjectStore& table_store,
                                            const DeletionVectorDescriptor& dv);

// Parses a serialized RoaringBitmapArray into its row indexes, sorted ascending and distinct.
// Every length is checked against `data`; trailing bytes are Corruption. At most
// `max_cardinality` rows are materialized: a bitmap holding more is Corruption (this bounds the
// memory a small hostile bitmap of run containers can make us allocate).
Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view data,
                                                      uint64_t max_cardinality);

// The sorted row indexes deleted by `dv`, its cardinality checked against dv.cardinality.
// Errors say which DV failed (storage type and path) and why: NotFound for a missing DV file,
// Corruption for a bad checksum, magic, size or cardinality, Unsupported for an unknown storage
// type or format.
Result<std::vector<uint64_t>> LoadDeletedRows(ObjectStore& table_store,
                                              const DeletionVectorDescriptor& dv);

}  // namespace lake
