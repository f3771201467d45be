#include "scan/deletion_vector.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <zlib.h>

#include <roaring/roaring64map.hh>
#include <simdjson.h>

#include "lake/object_store.h"
#include "test_util.h"

namespace lake {
namespace {

namespace fs = std::filesystem;

// --- helpers: build DVs the way Delta writers do -------------------------------------------------

// Z85 encoding with Delta's padding (zeros up to a multiple of 4 bytes). Written independently of
// the decoder under test, straight from ZeroMQ RFC 32.
std::string Z85EncodePadded(std::string bytes) {
  static const char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  while (bytes.size() % 4 != 0) bytes.push_back('\0');
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) v = v << 8 | static_cast<unsigned char>(bytes[i + j]);
    char group[5];
    for (int j = 4; j >= 0; --j) {
      group[j] = kAlphabet[v % 85];
      v /= 85;
    }
    out.append(group, 5);
  }
  return out;
}

void PutLE32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
void PutBE32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}

// magic + portable 64-bit bitmap ("RoaringBitmapArray").
std::string SerializeDv(const Roaring64Map& map, uint32_t magic = kDeletionVectorMagic) {
  std::vector<char> buf(map.getSizeInBytes(true));  // malloc'd: aligned for write()'s stores
  const size_t n = map.write(buf.data(), true);
  std::string out;
  PutLE32(out, magic);
  out.append(buf.data(), n);
  return out;
}

Roaring64Map MakeMap(const std::vector<uint64_t>& rows) {
  Roaring64Map map;
  for (uint64_t r : rows) map.add(r);
  return map;
}

// A DV file: version byte, then per DV [size BE][data][crc32 BE]. Returns the DV offsets.
std::vector<int32_t> WriteDvFile(const std::string& path, const std::vector<std::string>& dvs) {
  std::string file(1, '\1');
  std::vector<int32_t> offsets;
  for (const std::string& dv : dvs) {
    offsets.push_back(static_cast<int32_t>(file.size()));
    PutBE32(file, static_cast<uint32_t>(dv.size()));
    file += dv;
    PutBE32(file, static_cast<uint32_t>(
                      crc32(crc32(0L, Z_NULL, 0),
                            reinterpret_cast<const Bytef*>(dv.data()), dv.size())));
  }
  testing::WriteFile(path, file);
  return offsets;
}

// The 20-character Z85 form of a canonical UUID.
std::string UuidToZ85(const std::string& uuid) {
  std::string bytes;
  std::string hex;
  for (char c : uuid) {
    if (c != '-') hex.push_back(c);
  }
  for (size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return Z85EncodePadded(bytes);
}

DeletionVectorDescriptor Descriptor(std::string type, std::string path, std::optional<int32_t> off,
                                    size_t size, int64_t card) {
  DeletionVectorDescriptor d;
  d.storage_type = std::move(type);
  d.path_or_inline_dv = std::move(path);
  d.offset = off;
  d.size_in_bytes = static_cast<int32_t>(size);
  d.cardinality = card;
  return d;
}

std::vector<uint64_t> Sorted(const std::vector<uint64_t>& rows) {
  std::set<uint64_t> s(rows.begin(), rows.end());
  return {s.begin(), s.end()};
}

// A varied set of rows: array, bitset and run containers, in several 32-bit buckets.
std::vector<uint64_t> VariedRows() {
  std::vector<uint64_t> rows = {0, 3, 4, 7, 11, 18, 29, 65535, 65536, 1000000};
  for (uint64_t r = 200000; r < 210000; r += 2) rows.push_back(r);     // bitset container
  for (uint64_t r = 400000; r < 470000; ++r) rows.push_back(r);        // runs
  for (uint64_t r : {uint64_t{1} << 32, (uint64_t{1} << 32) + 5, (uint64_t{7} << 32) | 0xffffffff,
                     (uint64_t{0x7fffffff} << 32) | 12}) {
    rows.push_back(r);
  }
  return Sorted(rows);
}

// --- Z85 ---------------------------------------------------------------------------------------

TEST(Z85, DecodesTheRfcTestVector) {
  auto got = Z85Decode("HelloWorld");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const unsigned char want[] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
  EXPECT_EQ(*got, std::string(reinterpret_cast<const char*>(want), sizeof want));
  EXPECT_EQ(Z85EncodePadded(*got), "HelloWorld");
  auto empty = Z85Decode("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(Z85, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\xff\xff\xff\xff\0\0\0\0", 8);
  auto got = Z85Decode(Z85EncodePadded(bytes));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, bytes);
}

TEST(Z85, RejectsBadInput) {
  EXPECT_EQ(Z85Decode("Hello").status().code(), StatusCode::kOk);
  EXPECT_EQ(Z85Decode("HelloW").status().code(), StatusCode::kCorruption);  // not a multiple of 5
  EXPECT_EQ(Z85Decode("Hel\"o").status().code(), StatusCode::kCorruption);  // not in the alphabet
  EXPECT_EQ(Z85Decode("Hel~o").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Z85Decode(std::string("Hel\0o", 5)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Z85Decode("%nSc0").status().code(), StatusCode::kOk);  // 0xffffffff
  auto max = Z85Decode("%nSc0");
  EXPECT_EQ(*max, "\xff\xff\xff\xff");
  auto over = Z85Decode("%nSc1");  // 2^32
  EXPECT_EQ(over.status().code(), StatusCode::kCorruption);
  EXPECT_NE(over.status().message().find("overflows"), std::string::npos);
  EXPECT_EQ(Z85Decode("#####").status().code(), StatusCode::kCorruption);
}

// --- descriptor resolution -----------------------------------------------------------------------

TEST(DeletionVector, RelativePathFromTheSpecExample) {
  // PROTOCOL.md "JSON Example 1 — On Disk with Relative Path (with Random Prefix)".
  auto dv = Descriptor("u", "ab^-aqEH.-t@S}K{vb[*k^", 4, 40, 6);
  auto path = DeletionVectorRelativePath(dv);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  dv.path_or_inline_dv = dv.path_or_inline_dv.substr(2);
  EXPECT_EQ(*DeletionVectorRelativePath(dv),
            "deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  EXPECT_EQ(UuidToZ85("d2c639aa-8816-431a-aaf6-d3fe2512ff61"), "^-aqEH.-t@S}K{vb[*k^");

  dv.path_or_inline_dv = "short";
  EXPECT_EQ(DeletionVectorRelativePath(dv).status().code(), StatusCode::kCorruption);
  dv.path_or_inline_dv = "../^-aqEH.-t@S}K{vb[*k^";
  EXPECT_EQ(DeletionVectorRelativePath(dv).status().code(), StatusCode::kCorruption);
  dv.storage_type = "i";
  EXPECT_EQ(DeletionVectorRelativePath(dv).status().code(), StatusCode::kInvalidArgument);
}

TEST(DeletionVector, InlineSpecExampleIsInAStaleFormat) {
  // PROTOCOL.md "JSON Example 3 — Inline" says its rows are 3, 4, 7, 11, 18, 29, but its bytes
  // are the big-endian *native* layout of an early Delta draft (magic 0x6439D3D0 big-endian, an
  // int32 bitmap count, an int32 size per bitmap), not the little-endian portable format the
  // same document specifies and that Delta itself reads. We refuse it, like Delta and
  // delta-kernel-rs do.
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  auto dv = Descriptor("i", "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L", std::nullopt,
                       40, 6);
  auto rows = LoadDeletedRows(*store, dv);
  EXPECT_EQ(rows.status().code(), StatusCode::kCorruption) << rows.status().ToString();
  EXPECT_NE(rows.status().message().find("bad deletion vector magic number 3503503716"),
            std::string::npos)
      << rows.status().ToString();
}

TEST(DeletionVector, InlineWithHashPaddedTail) {
  // delta-kernel-rs/cdf-table-with-dv version 5: the last block holds 2 bytes, written as "##093"
  // (digits "093" = 0x0300 -> bytes 03 00, row 3). Version 4 uses Delta's zero padding.
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  auto v5 = Descriptor("i", "^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##093", std::nullopt, 34, 1);
  auto rows = LoadDeletedRows(*store, v5);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{3}));
  auto v4 = Descriptor("i", "^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5", std::nullopt, 36, 2);
  rows = LoadDeletedRows(*store, v4);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{0, 5}));
  auto v3 = Descriptor("i", "^Bg9^0rr910000000000iXQKl0rr91000935c8Xg000311onP9", std::nullopt,
                       40, 4);
  rows = LoadDeletedRows(*store, v3);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{0, 1, 4, 5}));
  // A bad tail: all '#', or digits that overflow the bytes they stand for.
  v5.path_or_inline_dv = "^Bg9^0rr910000000000iXQKl0rr91000005c8Xg#####";
  EXPECT_EQ(LoadDeletedRows(*store, v5).status().code(), StatusCode::kCorruption);
  v5.path_or_inline_dv = "^Bg9^0rr910000000000iXQKl0rr91000005c8Xg##%%%";
  EXPECT_EQ(LoadDeletedRows(*store, v5).status().code(), StatusCode::kCorruption);
}

TEST(DeletionVector, InlineRoundTripWithPadding) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  for (const auto& rows : std::vector<std::vector<uint64_t>>{
           {}, {0}, {1, 2}, {5, 9, 100}, {uint64_t{3} << 32}, VariedRows()}) {
    std::string bytes = SerializeDv(MakeMap(rows));
    auto dv = Descriptor("i", Z85EncodePadded(bytes), std::nullopt, bytes.size(),
                         static_cast<int64_t>(rows.size()));
    auto got = LoadDeletedRows(*store, dv);
    ASSERT_TRUE(got.ok()) << got.status().ToString() << " size " << bytes.size();
    EXPECT_EQ(*got, rows);
  }
  // Inline text that decodes to too few or too many bytes for sizeInBytes.
  std::string bytes = SerializeDv(MakeMap({1, 2}));  // 34 bytes -> 35 after padding
  auto dv = Descriptor("i", Z85EncodePadded(bytes), std::nullopt, 40, 2);
  EXPECT_EQ(LoadDeletedRows(*store, dv).status().code(), StatusCode::kCorruption);
  dv.size_in_bytes = 30;
  EXPECT_EQ(LoadDeletedRows(*store, dv).status().code(), StatusCode::kCorruption);
  dv.size_in_bytes = 34;
  dv.offset = 1;  // inline DVs have no offset
  EXPECT_EQ(LoadDeletedRows(*store, dv).status().code(), StatusCode::kCorruption);
}

TEST(DeletionVector, FileWithSeveralDvsUnderARandomPrefix) {
  testing::TempDir dir;
  auto store = NewLocalStore(dir.path(), dir.path());
  const std::string uuid = "0c6cbaaf-5e04-4c9d-8959-1088814f58ef";
  std::vector<std::vector<uint64_t>> sets = {{3, 4, 7}, VariedRows(), {}, {42}};
  std::vector<std::string> dvs;
  for (const auto& rows : sets) {
    auto map = MakeMap(rows);
    map.runOptimize();
    dvs.push_back(SerializeDv(map));
  }
  auto offsets = WriteDvFile(dir.path() + "/xy/deletion_vector_" + uuid + ".bin", dvs);
  for (size_t i = 0; i < sets.size(); ++i) {
    auto dv = Descriptor("u", "xy" + UuidToZ85(uuid), offsets[i], dvs[i].size(),
                         static_cast<int64_t>(sets[i].size()));
    auto got = LoadDeletedRows(*store, dv);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, sets[i]);
  }
  // Without a prefix, at the table root; an absent offset means 0 (so no version byte here).
  std::string file;
  PutBE32(file, static_cast<uint32_t>(dvs[0].size()));
  file += dvs[0];
  PutBE32(file, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(dvs[0].data()),
                                            dvs[0].size())));
  testing::WriteFile(dir.path() + "/deletion_vector_" + uuid + ".bin", file);
  auto got = LoadDeletedRows(*store, Descriptor("u", UuidToZ85(uuid), std::nullopt, dvs[0].size(), 3));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, sets[0]);
}

TEST(DeletionVector, AbsolutePathDv) {
  testing::TempDir dir;
  testing::TempDir table;
  auto store = NewLocalStore(table.path(), table.path());
  std::string bytes = SerializeDv(MakeMap({1, 5, 8}));
  const std::string name = "a b%c/deletion_vector_x.bin";
  auto offsets = WriteDvFile(dir.path() + "/" + name, {bytes});
  auto dv = Descriptor("p", "file://" + dir.path() + "/a%20b%25c/deletion_vector_x.bin", offsets[0],
                       bytes.size(), 3);
  auto got = LoadDeletedRows(*store, dv);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, (std::vector<uint64_t>{1, 5, 8}));
  // s3:// DVs resolve to S3 (tests/s3/s3_table_test.cc); other remote schemes are refused.
  dv.path_or_inline_dv = "gs://bucket/dv.bin";
  EXPECT_EQ(LoadDeletedRows(*store, dv).status().code(), StatusCode::kUnsupported);
}

// --- corruption ----------------------------------------------------------------------------------

class DvFileCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewLocalStore(dir_.path(), dir_.path());
    bytes_ = SerializeDv(MakeMap({2, 3, 5, 70000}));
    offset_ = WriteDvFile(Path(), {bytes_})[0];
  }
  std::string Path() const { return dir_.path() + "/deletion_vector_" + kUuid + ".bin"; }
  DeletionVectorDescriptor Dv(int64_t card = 4) const {
    return Descriptor("u", UuidToZ85(kUuid), offset_, bytes_.size(), card);
  }
  std::string ReadAll() const {
    std::ifstream in(Path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  Status Load(const DeletionVectorDescriptor& dv) { return LoadDeletedRows(*store_, dv).status(); }
  static void ExpectCorruption(const Status& st, const std::string& needle) {
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
  }

  static constexpr const char* kUuid = "d2c639aa-8816-431a-aaf6-d3fe2512ff61";
  testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::string bytes_;
  int32_t offset_ = 0;
};

TEST_F(DvFileCorruption, ValidFileLoads) {
  auto got = LoadDeletedRows(*store_, Dv());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, (std::vector<uint64_t>{2, 3, 5, 70000}));
}

TEST_F(DvFileCorruption, BadChecksum) {
  std::string file = ReadAll();
  file[static_cast<size_t>(offset_) + 4 + 10] ^= 0x01;
  testing::WriteFile(Path(), file);
  auto st = Load(Dv());
  ExpectCorruption(st, "CRC-32 mismatch");
  EXPECT_NE(st.message().find("deletion_vector_d2c639aa"), std::string::npos) << st.ToString();
}

TEST_F(DvFileCorruption, BadMagic) {
  WriteDvFile(Path(), {SerializeDv(MakeMap({2, 3, 5, 70000}), kDeletionVectorMagic + 7)});
  ExpectCorruption(Load(Dv()), "bad deletion vector magic number 1681511384");
  WriteDvFile(Path(), {SerializeDv(MakeMap({2, 3, 5, 70000}), kDeletionVectorMagic - 1)});
  EXPECT_EQ(Load(Dv()).code(), StatusCode::kUnsupported);
}

TEST_F(DvFileCorruption, TruncatedFile) {
  std::string file = ReadAll();
  for (size_t keep : {file.size() - 1, file.size() - 4, size_t{8}, size_t{3}, size_t{1}, size_t{0}}) {
    testing::WriteFile(Path(), file.substr(0, keep));
    ExpectCorruption(Load(Dv()), "truncated");
  }
}

TEST_F(DvFileCorruption, MissingFileIsNotFound) {
  fs::remove(Path());
  auto st = Load(Dv());
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
}

TEST_F(DvFileCorruption, WrongCardinality) {
  ExpectCorruption(Load(Dv(3)), "more rows than the expected 3");
  ExpectCorruption(Load(Dv(5)), "holds 4 rows but its cardinality is 5");
  ExpectCorruption(Load(Dv(-1)), "negative cardinality");
}

TEST_F(DvFileCorruption, SizeMismatchAndBadVersion) {
  auto dv = Dv();
  dv.size_in_bytes += 4;
  ExpectCorruption(Load(dv), "but the descriptor says sizeInBytes");
  dv.size_in_bytes = 2;
  ExpectCorruption(Load(dv), "too small");
  std::string file = ReadAll();
  file[0] = 2;
  testing::WriteFile(Path(), file);
  EXPECT_EQ(Load(Dv()).code(), StatusCode::kUnsupported);
}

TEST_F(DvFileCorruption, UnknownStorageType) {
  auto dv = Dv();
  dv.storage_type = "x";
  EXPECT_EQ(Load(dv).code(), StatusCode::kUnsupported);
}

// --- the bitmap parser on hostile input ----------------------------------------------------------

TEST(RoaringBitmapArray, RejectsMalformedTreemaps) {
  auto parse = [](const std::string& s) { return ParseRoaringBitmapArray(s, 1000).status(); };
  std::string hdr;
  PutLE32(hdr, kDeletionVectorMagic);
  EXPECT_EQ(parse(hdr).code(), StatusCode::kCorruption);  // no bucket count
  std::string empty = hdr + std::string(8, '\0');
  EXPECT_TRUE(parse(empty).ok());
  EXPECT_EQ(parse(empty + "x").code(), StatusCode::kCorruption);  // trailing bytes
  std::string huge = hdr + std::string(8, '\xff');
  EXPECT_EQ(parse(huge).code(), StatusCode::kCorruption);  // bucket count beyond the buffer

  // One bucket whose key has its most significant bit set (Delta forbids it).
  Roaring inner;
  inner.add(7);
  std::vector<char> ib(inner.getSizeInBytes(true));
  inner.write(ib.data(), true);
  auto bucket = [&](uint32_t key) {
    std::string s;
    PutLE32(s, key);
    s.append(ib.data(), ib.size());
    return s;
  };
  std::string one = hdr;
  PutLE32(one, 1);
  PutLE32(one, 0);
  EXPECT_TRUE(parse(one + bucket(5)).ok());
  EXPECT_EQ(parse(one + bucket(0x80000000u)).code(), StatusCode::kCorruption);
  // Two buckets with the same key, or descending keys.
  std::string two = hdr;
  PutLE32(two, 2);
  PutLE32(two, 0);
  EXPECT_TRUE(parse(two + bucket(1) + bucket(2)).ok());
  EXPECT_EQ(parse(two + bucket(2) + bucket(2)).code(), StatusCode::kCorruption);
  EXPECT_EQ(parse(two + bucket(2) + bucket(1)).code(), StatusCode::kCorruption);
  // Garbage where the 32-bit bitmap should be.
  EXPECT_EQ(parse(one + std::string(4, '\0') + std::string(16, '\x5a')).code(),
            StatusCode::kCorruption);
}

TEST(RoaringBitmapArray, EveryTruncationAndRandomFlipsFailCleanly) {
  // Runs under ASan in CI: no read may leave the buffer, whatever the bytes.
  auto map = MakeMap(VariedRows());
  map.runOptimize();
  const std::string good = SerializeDv(map);
  const uint64_t card = VariedRows().size();
  ASSERT_TRUE(ParseRoaringBitmapArray(good, card).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    // Copy into an exact-size heap buffer so ASan sees reads past the end.
    std::unique_ptr<char[]> buf(new char[n == 0 ? 1 : n]);
    std::memcpy(buf.get(), good.data(), n);
    EXPECT_FALSE(ParseRoaringBitmapArray(std::string_view(buf.get(), n), card).ok()) << n;
  }
  std::mt19937 rng(1234);
  const std::string small = SerializeDv(MakeMap({1, 2, 3, 100000, uint64_t{9} << 32}));
  for (const std::string* base : {&good, &small}) {
    for (int iter = 0; iter < 3000; ++iter) {
      std::string s = *base;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) s[rng() % s.size()] = static_cast<char>(rng());
      std::unique_ptr<char[]> buf(new char[s.size()]);
      std::memcpy(buf.get(), s.data(), s.size());
      auto rows = ParseRoaringBitmapArray(std::string_view(buf.get(), s.size()), card);
      if (rows.ok()) {
        EXPECT_LE(rows->size(), card);
        EXPECT_TRUE(std::is_sorted(rows->begin(), rows->end()));
      }
    }
  }
}

// --- real tables ---------------------------------------------------------------------------------

std::string PercentEncodePath(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

TEST(DeletionVectorConformance, DecodesEveryDvInTheSharedTables) {
  const std::string conf = testing::ConformanceDir();
  if (conf.empty()) {
    GTEST_SKIP() << "SKIPPED: ../shared/conformance not found; the real-table DV checks did not run";
  }
  simdjson::dom::parser parser;
  simdjson::dom::parser stats_parser;
  size_t decoded = 0;
  std::set<std::string> kinds;
  std::vector<std::string> log_files;
  for (const auto& suite : fs::directory_iterator(conf + "/tables")) {
    if (!suite.is_directory()) continue;
    for (const auto& table : fs::directory_iterator(suite.path())) {
      const fs::path log = table.path() / "_delta_log";
      if (!fs::is_directory(log)) continue;
      for (const auto& f : fs::directory_iterator(log)) {
        if (f.path().extension() == ".json") log_files.push_back(f.path().string());
      }
    }
  }
  std::sort(log_files.begin(), log_files.end());
  for (const std::string& file : log_files) {
    const std::string table = fs::path(file).parent_path().parent_path().string();
    auto store = NewLocalStore(table, table);
    std::ifstream in(file);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc) != simdjson::SUCCESS) continue;
      simdjson::dom::object add;
      if (doc["add"].get(add) != simdjson::SUCCESS) continue;
      simdjson::dom::object d;
      if (add["deletionVector"].get(d) != simdjson::SUCCESS) continue;
      const std::string where = file + ":" + std::to_string(line_no);
      std::string_view type, path;
      int64_t size = 0, card = 0;
      ASSERT_EQ(d["storageType"].get(type), simdjson::SUCCESS) << where;
      ASSERT_EQ(d["pathOrInlineDv"].get(path), simdjson::SUCCESS) << where;
      ASSERT_EQ(d["sizeInBytes"].get(size), simdjson::SUCCESS) << where;
      ASSERT_EQ(d["cardinality"].get(card), simdjson::SUCCESS) << where;
      std::optional<int32_t> offset;
      int64_t off = 0;
      if (d["offset"].get(off) == simdjson::SUCCESS) offset = static_cast<int32_t>(off);
      std::string p(path);
      // delta-spark's special-char table stores its absolute 'p' path as a template.
      const std::string placeholder = "{{FOLDER_WITH_SPECIAL_CHAR}}";
      if (auto at = p.find(placeholder); at != std::string::npos) {
        p.replace(at, placeholder.size(), PercentEncodePath(table + "/folder&with%special char"));
      }
      auto dv = Descriptor(std::string(type), p, offset, static_cast<size_t>(size), card);
      auto rows = LoadDeletedRows(*store, dv);
      ASSERT_TRUE(rows.ok()) << where << ": " << rows.status().ToString();
      EXPECT_EQ(rows->size(), static_cast<size_t>(card)) << where;
      // Row indexes must lie inside the data file (numRecords is mandatory with a DV).
      std::string_view stats;
      simdjson::dom::element st;
      int64_t num_records = 0;
      if (add["stats"].get(stats) == simdjson::SUCCESS &&
          stats_parser.parse(std::string(stats)).get(st) == simdjson::SUCCESS &&
          st["numRecords"].get(num_records) == simdjson::SUCCESS && !rows->empty()) {
        EXPECT_LT(rows->back(), static_cast<uint64_t>(num_records)) << where;
      }
      ++decoded;
      kinds.insert(std::string(type));
    }
  }
  std::cout << "[ deletion vectors ] decoded " << decoded << " DVs from the shared tables (types:";
  for (const auto& k : kinds) std::cout << " " << k;
  std::cout << ")\n";
  EXPECT_GT(decoded, 50u);
  EXPECT_EQ(kinds, (std::set<std::string>{"i", "p", "u"}));
}

}  // namespace
}  // namespace lake
