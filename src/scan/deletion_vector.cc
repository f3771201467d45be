#include "scan/deletion_vector.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include <roaring/roaring.h>

#include "storage/location.h"

namespace lake {
namespace {

constexpr char kZ85Alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
// The magic of the "native" (non-portable) RoaringBitmapArray serialization, which Delta can read
// but does not write; we do not implement it.
constexpr uint32_t kNativeMagic = 1681511376;
// A serialized 32-bit portable roaring bitmap takes at least 8 bytes (cookie + container count).
constexpr size_t kMinBucketBytes = 4 + 8;

constexpr std::array<int8_t, 256> MakeZ85Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 85; ++i) t[static_cast<unsigned char>(kZ85Alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kZ85Table = MakeZ85Table();

uint32_t LoadLE32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t LoadLE64(const unsigned char* p) {
  return uint64_t{LoadLE32(p)} | uint64_t{LoadLE32(p + 4)} << 32;
}
uint32_t LoadBE32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// "u:ab^-aqEH.-t@S}K{vb[*k^@4" — how errors name a DV (the derived uniqueId, with a separator).
std::string Describe(const DeletionVectorDescriptor& dv) {
  std::string s = "deletion vector '" + dv.storage_type + ":";
  if (dv.storage_type == "i" && dv.path_or_inline_dv.size() > 24) {
    s += dv.path_or_inline_dv.substr(0, 20) + "...";
  } else {
    s += dv.path_or_inline_dv;
  }
  if (dv.offset) s += "@" + std::to_string(*dv.offset);
  return s + "'";
}

struct RoaringDeleter {
  void operator()(roaring_bitmap_t* r) const { roaring_bitmap_free(r); }
};

Status CheckDescriptor(const DeletionVectorDescriptor& dv) {
  if (dv.storage_type != "u" && dv.storage_type != "i" && dv.storage_type != "p") {
    return Status::Unsupported("unknown storageType '" + dv.storage_type + "'");
  }
  if (dv.size_in_bytes < 4) {
    return Status::Corruption("sizeInBytes " + std::to_string(dv.size_in_bytes) +
                              " is too small for a deletion vector (at least the 4-byte magic)");
  }
  if (dv.cardinality < 0) {
    return Status::Corruption("negative cardinality " + std::to_string(dv.cardinality));
  }
  if (dv.storage_type == "i" && dv.offset) {
    return Status::Corruption("an inline deletion vector must not have an offset");
  }
  if (dv.offset && *dv.offset < 0) {
    return Status::Corruption("negative offset " + std::to_string(*dv.offset));
  }
  return Status::OK();
}

// Reads one DV from the file `key` of `store`: [size BE32][bitmap][crc32 BE32] at `offset`.
Result<std::string> ReadFromFile(ObjectStore& store, const std::string& key, uint64_t offset,
                                 uint32_t size) {
  // With offset 1 (the first DV of a file) also read the format version byte in the same request.
  const uint64_t lead = offset == 1 ? 1 : 0;
  const uint64_t want = lead + 4 + uint64_t{size} + 4;
  LAKE_ASSIGN_OR_RETURN(std::string buf, store.GetRange(key, offset - lead, want));
  auto truncated = [&] {
    return Status::Corruption("file '" + key + "' is truncated: need " + std::to_string(want) +
                              " bytes at offset " + std::to_string(offset - lead) + ", got " +
                              std::to_string(buf.size()));
  };
  if (buf.size() < lead + 4) return truncated();
  const unsigned char* p = U8(buf);
  if (lead == 1 && p[0] != 1) {
    return Status::Unsupported("file '" + key + "' has deletion vector file format version " +
                               std::to_string(p[0]) + " (only version 1 is supported)");
  }
  p += lead;
  const uint32_t stored_size = LoadBE32(p);
  if (stored_size != size) {
    return Status::Corruption("file '" + key + "' stores a " + std::to_string(stored_size) +
                              "-byte deletion vector at offset " + std::to_string(offset) +
                              " but the descriptor says sizeInBytes " + std::to_string(size));
  }
  if (buf.size() < want) return truncated();
  const uint32_t stored_crc = LoadBE32(p + 4 + size);
  const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), p + 4, size));
  if (crc != stored_crc) {
    char msg[96];
    std::snprintf(msg, sizeof msg, "CRC-32 mismatch (stored %08x, computed %08x)", stored_crc,
                  crc);
    return Status::Corruption("file '" + key + "' at offset " + std::to_string(offset) + ": " +
                              msg);
  }
  return std::string(reinterpret_cast<const char*>(p + 4), size);
}

// Z85 text of an inline DV. Delta (Java) pads the bytes with zeros to a multiple of 4; some other
// writer (seen in delta-kernel-rs's cdf-table-with-dv test data) encodes a final partial block of
// n bytes as n + 1 digits left-filled with '#' to 5 characters: "##093" is the two bytes 03 00. A leading '#' (84)
// can never start a valid full group (84 * 85^4 > 2^32), so the two forms are unambiguous.
Result<std::string> DecodeInline(std::string_view text) {
  if (text.size() < 5 || text.size() % 5 != 0 || text[text.size() - 5] != '#') {
    return Z85Decode(text);
  }
  const std::string_view tail = text.substr(text.size() - 5);
  LAKE_ASSIGN_OR_RETURN(std::string bytes, Z85Decode(text.substr(0, text.size() - 5)));
  const size_t fill = tail.find_first_not_of('#');
  if (fill == std::string_view::npos || fill > 3) {
    return Status::Corruption("invalid padded Z85 tail '" + std::string(tail) + "'");
  }
  const size_t nbytes = 4 - fill;  // 5 - fill digits encode 4 - fill bytes
  uint64_t value = 0;
  for (char c : tail.substr(fill)) {
    const int8_t digit = kZ85Table[static_cast<unsigned char>(c)];
    if (digit < 0) return Status::Corruption("invalid Z85 character in '" + std::string(tail) + "'");
    value = value * 85 + static_cast<uint64_t>(digit);
  }
  if (value >> (8 * nbytes) != 0) {
    return Status::Corruption("padded Z85 tail '" + std::string(tail) + "' overflows " +
                              std::to_string(nbytes) + " bytes");
  }
  for (size_t i = nbytes; i-- > 0;) bytes.push_back(static_cast<char>(value >> (8 * i)));
  return bytes;
}

Result<std::string> ReadBytesUnchecked(ObjectStore& table_store,
                                       const DeletionVectorDescriptor& dv) {
  LAKE_RETURN_IF_ERROR(CheckDescriptor(dv));
  const auto size = static_cast<uint32_t>(dv.size_in_bytes);
  if (dv.storage_type == "i") {
    LAKE_ASSIGN_OR_RETURN(std::string bytes, DecodeInline(dv.path_or_inline_dv));
    // Delta pads the bytes with zeros to a multiple of 4 before encoding (sizeInBytes is the
    // unpadded size), so the decoded text may be up to 3 bytes longer than the DV.
    if (bytes.size() < size || bytes.size() - size > 3) {
      return Status::Corruption("inline data decodes to " + std::to_string(bytes.size()) +
                                " bytes but sizeInBytes is " + std::to_string(size));
    }
    bytes.resize(size);
    return bytes;
  }
  const uint64_t offset = dv.offset ? static_cast<uint64_t>(*dv.offset) : 0;
  if (dv.storage_type == "u") {
    LAKE_ASSIGN_OR_RETURN(std::string key, DeletionVectorRelativePath(dv));
    return ReadFromFile(table_store, key, offset, size);
  }
  // 'p': an absolute URI, same format as add.path.
  if (dv.path_or_inline_dv.find("://") != std::string::npos &&
      dv.path_or_inline_dv.rfind("file:", 0) != 0) {
    // A remote URI (s3://bucket/key): the table's store when inside the table, else a store
    // of that bucket.
    LocationResolver resolver(table_store);
    LAKE_ASSIGN_OR_RETURN(LocationResolver::Resolved r, resolver.Resolve(dv.path_or_inline_dv));
    return ReadFromFile(*r.store, r.key, offset, size);
  }
  LAKE_ASSIGN_OR_RETURN(std::string path, LocalPathFromUri(dv.path_or_inline_dv));
  const size_t slash = path.rfind('/');
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  std::unique_ptr<ObjectStore> store = NewLocalStore(dir, dir);
  return ReadFromFile(*store, path.substr(slash + 1), offset, size);
}

}  // namespace

Result<std::string> Z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return Status::Corruption("Z85 text length " + std::to_string(text.size()) +
                              " is not a multiple of 5");
  }
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t j = 0; j < 5; ++j) {
      const int8_t digit = kZ85Table[static_cast<unsigned char>(text[i + j])];
      if (digit < 0) {
        return Status::Corruption("invalid Z85 character at position " + std::to_string(i + j));
      }
      value = value * 85 + static_cast<uint64_t>(digit);
    }
    if (value > std::numeric_limits<uint32_t>::max()) {
      return Status::Corruption("Z85 group at position " + std::to_string(i) +
                                " overflows 32 bits");
    }
    out.push_back(static_cast<char>(value >> 24));
    out.push_back(static_cast<char>(value >> 16));
    out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value));
  }
  return out;
}

Result<std::string> UuidFromZ85(std::string_view z85) {
  if (z85.size() != 20) {
    return Status::Corruption("a Z85-encoded UUID has 20 characters, got " +
                              std::to_string(z85.size()));
  }
  LAKE_ASSIGN_OR_RETURN(std::string bytes, Z85Decode(z85));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  uuid.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid.push_back('-');
    const auto b = static_cast<unsigned char>(bytes[i]);
    uuid.push_back(kHex[b >> 4]);
    uuid.push_back(kHex[b & 15]);
  }
  return uuid;
}

Result<std::string> DeletionVectorRelativePath(const DeletionVectorDescriptor& dv) {
  if (dv.storage_type != "u") {
    return Status::InvalidArgument("only storageType 'u' deletion vectors have a relative path");
  }
  const std::string& s = dv.path_or_inline_dv;
  if (s.size() < 20) {
    return Status::Corruption("pathOrInlineDv '" + s + "' is shorter than a 20-character Z85 UUID");
  }
  const std::string prefix = s.substr(0, s.size() - 20);
  // The prefix is a random directory name; refuse anything that would leave the table root.
  if (!prefix.empty() && (prefix[0] == '/' || prefix == ".." || prefix.find("../") == 0 ||
                          prefix.find("/..") != std::string::npos)) {
    return Status::Corruption("invalid random prefix '" + prefix + "' in pathOrInlineDv");
  }
  LAKE_ASSIGN_OR_RETURN(std::string uuid, UuidFromZ85(std::string_view(s).substr(s.size() - 20)));
  return (prefix.empty() ? "" : prefix + "/") + "deletion_vector_" + uuid + ".bin";
}

Result<std::string> ReadDeletionVectorBytes(ObjectStore& table_store,
                                            const DeletionVectorDescriptor& dv) {
  auto bytes = ReadBytesUnchecked(table_store, dv);
  if (!bytes.ok()) return bytes.status().WithContext(Describe(dv));
  return bytes;
}

Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view data,
                                                      uint64_t max_cardinality) {
  if (data.size() < 4) {
    return Status::Corruption("deletion vector of " + std::to_string(data.size()) +
                              " bytes is too short for its magic number");
  }
  const uint32_t magic = LoadLE32(U8(data));
  if (magic == kNativeMagic) {
    return Status::Unsupported("deletion vector in the native RoaringBitmapArray format (magic " +
                               std::to_string(magic) + ") is not supported");
  }
  if (magic != kDeletionVectorMagic) {
    return Status::Corruption("bad deletion vector magic number " + std::to_string(magic) +
                              " (expected " + std::to_string(kDeletionVectorMagic) + ")");
  }
  std::string_view rest = data.substr(4);
  if (rest.size() < 8) {
    return Status::Corruption("deletion vector is truncated: no bucket count");
  }
  const uint64_t buckets = LoadLE64(U8(rest));
  rest.remove_prefix(8);
  if (buckets > rest.size() / kMinBucketBytes) {
    return Status::Corruption("deletion vector claims " + std::to_string(buckets) +
                              " buckets but has only " + std::to_string(rest.size()) +
                              " bytes left");
  }
  std::vector<uint64_t> rows;
  rows.reserve(static_cast<size_t>(std::min<uint64_t>(max_cardinality, 1 << 20)));
  int64_t prev_key = -1;
  for (uint64_t b = 0; b < buckets; ++b) {
    const std::string where = "deletion vector bucket " + std::to_string(b);
    if (rest.size() < 4) return Status::Corruption(where + " is truncated");
    const uint32_t key = LoadLE32(U8(rest));
    rest.remove_prefix(4);
    if (key & 0x80000000u) {
      return Status::Corruption(where + " has key " + std::to_string(key) +
                                " with the most significant bit set");
    }
    if (static_cast<int64_t>(key) <= prev_key) {
      return Status::Corruption(where + ": keys are not strictly ascending");
    }
    prev_key = key;
    const size_t n = roaring_bitmap_portable_deserialize_size(rest.data(), rest.size());
    if (n == 0 || n > rest.size()) {
      return Status::Corruption(where + " is not a valid 32-bit portable roaring bitmap");
    }
    std::unique_ptr<roaring_bitmap_t, RoaringDeleter> bitmap(
        roaring_bitmap_portable_deserialize_safe(rest.data(), n));
    if (!bitmap) {
      return Status::Corruption(where + " is not a valid 32-bit portable roaring bitmap");
    }
    rest.remove_prefix(n);
    // Iterate rather than trust the container headers (CRoaring 0.2 does not validate them):
    // values must come out strictly ascending, and we stop at max_cardinality.
    roaring_uint32_iterator_t it;
    roaring_init_iterator(bitmap.get(), &it);
    const uint64_t high = uint64_t{key} << 32;
    bool first = true;
    uint32_t prev = 0;
    for (; it.has_value; roaring_advance_uint32_iterator(&it)) {
      if (!first && it.current_value <= prev) {
        return Status::Corruption(where + " has unsorted or duplicate values");
      }
      first = false;
      prev = it.current_value;
      if (rows.size() >= max_cardinality) {
        return Status::Corruption("deletion vector holds more rows than the expected " +
                                  std::to_string(max_cardinality) + " (its cardinality)");
      }
      rows.push_back(high | it.current_value);
    }
  }
  if (!rest.empty()) {
    return Status::Corruption("deletion vector has " + std::to_string(rest.size()) +
                              " trailing bytes after its last bucket");
  }
  return rows;
}

Result<std::vector<uint64_t>> LoadDeletedRows(ObjectStore& table_store,
                                              const DeletionVectorDescriptor& dv) {
  LAKE_ASSIGN_OR_RETURN(std::string bytes, ReadDeletionVectorBytes(table_store, dv));
  const auto expected = static_cast<uint64_t>(dv.cardinality);
  auto rows = ParseRoaringBitmapArray(bytes, expected);
  if (!rows.ok()) return rows.status().WithContext(Describe(dv));
  if (rows->size() != expected) {
    return Status::Corruption(Describe(dv) + " holds " + std::to_string(rows->size()) +
                              " rows but its cardinality is " + std::to_string(expected));
  }
  return rows;
}

}  // namespace lake
