#include "log/snapshot_builder.h"

#include "util/percent_encoding.h"

#include <simdjson.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "log/action_parser.h"
#include "log/checkpoint_reader.h"
#include "storage/location.h"

namespace lake {
namespace log {

bool IsSupportedReaderFeature(std::string_view f) {
  static constexpr std::string_view kSupported[] = {
      "columnMapping",        "deletionVectors",
      "timestampNtz",         "v2Checkpoint",
      "vacuumProtocolCheck",  "typeWidening",
      "typeWidening-preview", "variantType",
      "variantType-preview",  "variantShredding-preview",
      "geospatial",
  };
  return std::find(std::begin(kSupported), std::end(kSupported), f) != std::end(kSupported);
}

// PROTOCOL.md "Reader Version Requirements" and "Table Features": reader versions 1 and 2
// imply their features; version 3 lists them in readerFeatures, each of which a reader must
// support.
Status CheckReadable(const Protocol& p) {
  if (p.min_reader_version < 1 || p.min_reader_version > 3) {
    return Status::Unsupported("table requires reader version " +
                               std::to_string(p.min_reader_version) +
                               "; lake reads versions 1 to 3");
  }
  if (p.min_reader_version == 3 && p.reader_features) {
    for (const std::string& f : *p.reader_features) {
      if (!IsSupportedReaderFeature(f)) {
        return Status::Unsupported("table requires unsupported reader feature '" + f + "'");
      }
    }
  }
  return Status::OK();
}

std::string CanonicalPath(std::string_view path, std::string_view table_root) {
  std::string_view p = path;
  if (p.starts_with("file:")) {
    // file:/x, file:///x -> /x ; file://host/x stays host-qualified ("//host/x").
    p.remove_prefix(5);
    if (p.starts_with("///")) p.remove_prefix(2);
  }
  std::string out = PercentDecode(p);
  // An absolute path inside the table is the same file as its relative form.
  if (!table_root.empty() && out.size() > table_root.size() + 1 && out.starts_with(table_root) &&
      (table_root.back() == '/' || out[table_root.size()] == '/')) {
    out.erase(0, table_root.size() + (table_root.back() == '/' ? 0 : 1));
  }
  return out;
}

std::optional<int64_t> NumRecordsFromStats(std::string_view stats) {
  if (stats.empty()) return std::nullopt;
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string buf;
  buf.assign(stats);
  buf.reserve(buf.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (parser.iterate(buf.data(), buf.size(), buf.capacity()).get(doc)) return std::nullopt;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return std::nullopt;
  int64_t n;
  if (obj["numRecords"].get_int64().get(n)) return std::nullopt;
  return n;
}

bool NeedsCanonicalization(std::string_view path) {
  return path.starts_with("file:") || path.starts_with("/") ||
         path.find('%') != std::string_view::npos;
}

namespace {

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// Reverse replay (newest action first): the first action seen for a key decides it.
// PROTOCOL.md "Action Reconciliation":
//  - a file is live when its newest add/remove for (path, deletionVector.uniqueId) is an add;
//  - the newest protocol and metaData win;
//  - the newest txn per appId wins; the newest domainMetadata per domain wins, removed=true
//    dropping it.
// Adds are parsed straight into `files` (AddSlot) and dropped again when already decided.
// The seen-set stores 8 bytes per key (32 bits of the hash plus the index of the deciding
// action); on a match the stored action's key is recomputed, so the set stays small (and
// cache-friendly) for 10^5+ files.
class ReplayVisitor : public log::ActionVisitor {
 public:
  explicit ReplayVisitor(std::string table_root) : root_(std::move(table_root)) {}

  // Adds are decided one action late: OnAdd hashes the key and prefetches its seen-set slot,
  // and the lookup happens when the next action (or Finish) comes, so the cache miss on the
  // slot overlaps parsing the next line. Every action that consults the seen-set settles the
  // pending add first, so the order of decisions is unchanged.
  AddFile* AddSlot() override {
    SettlePendingAdd();
    return &files.emplace_back();
  }
  log::PartitionValuesCache* partition_cache() override { return &partition_cache_; }

  Status OnAdd(AddFile& a) override {
    SettlePendingAdd();
    if (files.empty() || &a != &files.back()) files.push_back(std::move(a));
    // Nothing newer than the checkpoint: every add in it is live, no key to look up.
    if (checkpoint_ && used_ == 0) return Status::OK();
    const AddFile& f = files.back();
    pending_hash_ = KeyHash(f.path, f.deletion_vector.get());
    pending_ = true;
    if (!slots_.empty()) __builtin_prefetch(&slots_[pending_hash_ & (slots_.size() - 1)]);
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    SettlePendingAdd();
    if (Seen(KeyHash(r.path, r.deletion_vector.get()), r.path, r.deletion_vector.get(),
             Ref(tombstones.size(), true)))
      return Status::OK();
    tombstones.push_back(std::move(r));
    return Status::OK();
  }
  // Settles the last add; call once after the replay.
  void Finish() { SettlePendingAdd(); }
  // Call before replaying the checkpoint, the oldest and last part of the replay. A checkpoint
  // holds each key once and nothing is replayed after it, so its actions are only looked up
  // among the keys the commits decided, never added to the seen-set (as delta-kernel-rs does):
  // no set growth for the checkpoint's (usually many) files.
  void BeginCheckpoint() {
    SettlePendingAdd();
    checkpoint_ = true;
  }
  Status OnMetadata(Metadata& m) override {
    if (!metadata) metadata = std::move(m);
    return Status::OK();
  }
  Status OnProtocol(Protocol& p) override {
    if (!protocol) {
      // Fail fast on a protocol we cannot read: the rest of the log may be unparseable.
      LAKE_RETURN_IF_ERROR(log::CheckReadable(p));
      protocol = std::move(p);
    }
    return Status::OK();
  }
  Status OnTxn(Txn& t) override {
    txns.try_emplace(t.app_id, std::move(t));
    return Status::OK();
  }
  Status OnDomainMetadata(DomainMetadata& d) override {
    domains.try_emplace(d.domain, std::move(d));
    return Status::OK();
  }
  Status OnCommitInfo(CommitInfo& c) override {
    if (in_target_commit && !target_commit_info) target_commit_info = std::move(c);
    return Status::OK();
  }

  bool in_target_commit = false;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::map<std::string, Txn> txns;
  std::map<std::string, DomainMetadata> domains;  // including removed ones until the end
  std::optional<CommitInfo> target_commit_info;
  std::vector<AddFile> files;
  std::vector<RemoveFile> tombstones;

  // For ParallelReplay: the key hash of a file action (pure; any thread may call it), and
  // the decisions of the replay for actions parsed elsewhere, in replay order.
  uint64_t HashOf(std::string_view path, const DeletionVectorDescriptor* dv) const {
    return KeyHash(path, dv);
  }
  // Brings the seen-set slot of hash `h` into cache ahead of its lookup.
  void PrefetchKey(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  }
  // The add at files[idx] (hash `h`): true when it is live so far (no newer action decided
  // its key).
  bool DecideAdd(size_t idx, uint64_t h) {
    const AddFile& a = files[idx];
    return !Seen(h, a.path, a.deletion_vector.get(), Ref(idx, false));
  }
  void DecideRemove(RemoveFile& r, uint64_t h) {
    if (!Seen(h, r.path, r.deletion_vector.get(), Ref(tombstones.size(), true)))
      tombstones.push_back(std::move(r));
  }

  // Sizes the seen-set for about `n` keys up front.
  void ReserveKeys(size_t n) {
    size_t cap = 16;
    while (cap * 5 < n * 8) cap *= 2;  // load factor <= 5/8
    if (cap > slots_.size()) Rehash(cap);
  }

 private:
  static uint32_t Ref(size_t idx, bool tomb) {
    return static_cast<uint32_t>(idx) | (tomb ? 0x80000000u : 0u);
  }

  std::string_view Canonical(std::string_view path, std::string* buf) const {
    if (!NeedsCanonicalization(path)) return path;
    *buf = log::CanonicalPath(path, root_);
    return *buf;
  }

  static bool SameDv(const DeletionVectorDescriptor* a, const DeletionVectorDescriptor* b) {
    if (!a || !b) return a == b;
    return a->UniqueId() == b->UniqueId();
  }

  uint64_t KeyHash(std::string_view path, const DeletionVectorDescriptor* dv) const {
    std::string canon;
    uint64_t h = std::hash<std::string_view>{}(Canonical(path, &canon));
    if (dv) h = h * 31 + std::hash<std::string>{}(dv->UniqueId()) + 1;
    return Mix(h);
  }

  void SettlePendingAdd() {
    if (!pending_) return;
    pending_ = false;
    const AddFile& a = files.back();
    if (Seen(pending_hash_, a.path, a.deletion_vector.get(), Ref(files.size() - 1, false)))
      files.pop_back();
  }

  // True when the key (hash `h`) was already decided by a newer action; else records `ref`
  // (unless replaying the checkpoint, see BeginCheckpoint).
  bool Seen(uint64_t h, std::string_view path, const DeletionVectorDescriptor* dv, uint32_t ref) {
    if (checkpoint_ && used_ == 0) return false;
    std::string canon;
    std::string_view view = Canonical(path, &canon);
    if (!checkpoint_ && (used_ + 1) * 8 > slots_.size() * 5) Grow();
    size_t mask = slots_.size() - 1;
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t i = h & mask;
    for (; slots_[i].ref != kEmpty; i = (i + 1) & mask) {
      if (slots_[i].tag != tag) continue;
      uint32_t other = slots_[i].ref;
      std::string ocanon;
      if (other & 0x80000000u) {
        const RemoveFile& r = tombstones[other & 0x7fffffffu];
        if (SameDv(r.deletion_vector.get(), dv) && Canonical(r.path, &ocanon) == view) return true;
      } else {
        const AddFile& a = files[other];
        if (SameDv(a.deletion_vector.get(), dv) && Canonical(a.path, &ocanon) == view) return true;
      }
    }
    if (checkpoint_) return false;
    slots_[i] = Slot{tag, ref};
    ++used_;
    return false;
  }

  static constexpr uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    uint32_t tag = 0;
    uint32_t ref = kEmpty;
  };
  void Grow() { Rehash(slots_.empty() ? 1024 : slots_.size() * 2); }
  // Slots keep only 32 bits of the hash, so a rehash recomputes the keys' hashes.
  void Rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    for (const Slot& s : old) {
      if (s.ref == kEmpty) continue;
      uint64_t h = (s.ref & 0x80000000u)
                       ? KeyHash(tombstones[s.ref & 0x7fffffffu].path,
                                 tombstones[s.ref & 0x7fffffffu].deletion_vector.get())
                       : KeyHash(files[s.ref].path, files[s.ref].deletion_vector.get());
      size_t i = h & (cap - 1);
      while (slots_[i].ref != kEmpty) i = (i + 1) & (cap - 1);
      slots_[i] = Slot{static_cast<uint32_t>(h >> 32), s.ref};
    }
  }

  std::string root_;
  bool checkpoint_ = false;
  bool pending_ = false;
  uint64_t pending_hash_ = 0;
  log::PartitionValuesCache partition_cache_;
  // Open addressing (linear probing) over (tag, ref): 8 bytes per slot, no node allocations.
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

// A commit file's bytes: a read-only mapping of a local file (no copy; the page cache is
// shared), else the store's Get into an owned buffer. `capacity` is how many bytes from
// data() may be read: simdjson reads up to SIMDJSON_PADDING bytes past a line, so lines that
// end within the padding of the end of the data are copied by the parser.
class CommitData {
 public:
  CommitData() = default;
  CommitData(const CommitData&) = delete;
  CommitData& operator=(const CommitData&) = delete;
  ~CommitData() { Unmap(); }

  // `fetched`: a local copy of the file fetched already (or nullptr).
  Status Load(ObjectStore& store, const log::LogFile& f, const std::string* fetched = nullptr) {
    Unmap();
    owned_.clear();
    if (fetched && Map(*fetched)) return Status::OK();
    // Log files are immutable: remote stores serve them from the cache (no request on a hit).
    if (auto local = store.LocalPathImmutable(f.key, f.size); local.ok() && Map(*local)) {
      return Status::OK();
    }
    LAKE_ASSIGN_OR_RETURN(owned_, store.Get(f.key));
    owned_.reserve(owned_.size() + simdjson::SIMDJSON_PADDING);
    data_ = owned_;
    capacity_ = owned_.capacity();
    return Status::OK();
  }
  std::string_view data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  bool Map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t n = ok ? static_cast<size_t>(st.st_size) : 0;
    if (ok && n > 0) {
      void* p = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        ok = false;
      } else {
        map_ = p;
        map_len_ = n;
        data_ = std::string_view(static_cast<const char*>(p), n);
        capacity_ = n;
      }
    } else if (ok) {
      data_ = {};
      capacity_ = 0;
    }
    ::close(fd);
    return ok;
  }
  void Unmap() {
    if (map_) ::munmap(map_, map_len_);
    map_ = nullptr;
    map_len_ = 0;
    data_ = {};
    capacity_ = 0;
  }

  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::string owned_;
  std::string_view data_;
  size_t capacity_ = 0;
};

// Asks for transparent huge pages for a large, freshly reserved buffer: filling a 10^5-file
// vector otherwise costs one page fault per 4 KiB (a large share of the load time). Only
// the 2 MiB-aligned interior is advised, so RSS grows by at most 2 MiB beyond what is used.
void AdviseHugePages(const void* p, size_t len) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = 2u << 20;
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + len) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)len;
#endif
}

size_t CountLines(std::string_view data) {
  size_t n = 0;
  const char* p = data.data();
  const char* end = p + data.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    ++n;
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

// The lines of `data`, and how many of them start with {"add" (how every known writer begins
// an add action): the number of add slots a piece of a commit reserves. Adds written otherwise
// still load (see PieceVisitor), just with a move.
struct LineCounts {
  size_t lines = 0, add_lines = 0;
};
LineCounts CountLinesAndAdds(std::string_view data) {
  static constexpr std::string_view kAdd = "{\"add\"";
  LineCounts n;
  size_t pos = 0;
  while (pos < data.size()) {
    ++n.lines;
    if (data.compare(pos, kAdd.size(), kAdd) == 0) ++n.add_lines;
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (!nl) break;
    pos = static_cast<size_t>(static_cast<const char*>(nl) - data.data()) + 1;
  }
  return n;
}

// ---- Parallel replay of large local logs ------------------------------------------------------
//
// The commits are cut into pieces at line boundaries (newest commit first, lines in file
// order: the replay order). Workers parse pieces concurrently: each add goes straight into its
// final place in `files` (a range of slots reserved per piece from a count of add lines) with
// its key hash computed; other actions are kept per piece. Then one thread walks the pieces in
// replay order and makes every reconciliation decision exactly as the sequential replay would
// (the seen-set, newest protocol/metadata, txn, domains), and dead or unused slots are
// squeezed out at the end (no move at all when every add is live, the common case).
struct LogPiece {
  std::string_view data;
  size_t capacity = 0;  // readable bytes from data.data()
  const LogFile* file = nullptr;
  size_t first_line = 1;
  size_t lines = 0;
  bool target_commit = false;
  size_t slot_begin = 0, slot_count = 0;
  // Filled by the worker.
  enum class Kind : uint8_t { kAdd, kOverflowAdd, kRemove, kOther };
  struct Event {
    Kind kind;
    uint32_t idx;
    uint64_t hash;
  };
  std::vector<Event> events;
  std::deque<AddFile> overflow;  // adds beyond the reserved slots (stable addresses)
  std::vector<RemoveFile> removes;
  std::vector<Action> others;
  size_t slots_used = 0;
  Status status;
};

class PieceVisitor : public ActionVisitor {
 public:
  PieceVisitor(const ReplayVisitor& replay, std::vector<AddFile>& files, LogPiece& piece)
      : replay_(replay), files_(files), piece_(piece) {}
  AddFile* AddSlot() override {
    if (piece_.slots_used < piece_.slot_count)
      return &files_[piece_.slot_begin + piece_.slots_used];
    return &piece_.overflow.emplace_back();
  }
  PartitionValuesCache* partition_cache() override { return &cache_; }
  Status OnAdd(AddFile& a) override {
    uint64_t h = replay_.HashOf(a.path, a.deletion_vector.get());
    if (piece_.slots_used < piece_.slot_count &&
        &a == &files_[piece_.slot_begin + piece_.slots_used]) {
      piece_.events.push_back({LogPiece::Kind::kAdd,
                               static_cast<uint32_t>(piece_.slot_begin + piece_.slots_used++), h});
    } else {
      if (piece_.overflow.empty() || &a != &piece_.overflow.back())
        piece_.overflow.push_back(std::move(a));
      piece_.events.push_back(
          {LogPiece::Kind::kOverflowAdd, static_cast<uint32_t>(piece_.overflow.size() - 1), h});
    }
    return Status::OK();
  }
  Status OnRemove(RemoveFile& r) override {
    uint64_t h = replay_.HashOf(r.path, r.deletion_vector.get());
    piece_.removes.push_back(std::move(r));
    piece_.events.push_back(
        {LogPiece::Kind::kRemove, static_cast<uint32_t>(piece_.removes.size() - 1), h});
    return Status::OK();
  }
  Status OnMetadata(Metadata& m) override { return Other(std::move(m)); }
  Status OnProtocol(Protocol& p) override { return Other(std::move(p)); }
  Status OnTxn(Txn& t) override { return Other(std::move(t)); }
  Status OnDomainMetadata(DomainMetadata& d) override { return Other(std::move(d)); }
  Status OnCommitInfo(CommitInfo& c) override {
    if (!piece_.target_commit) return Status::OK();  // only the target commit's is used
    return Other(std::move(c));
  }

 private:
  template <typename T>
  Status Other(T&& a) {
    piece_.others.emplace_back(std::forward<T>(a));
    piece_.events.push_back(
        {LogPiece::Kind::kOther, static_cast<uint32_t>(piece_.others.size() - 1), 0});
    return Status::OK();
  }
  const ReplayVisitor& replay_;
  std::vector<AddFile>& files_;
  LogPiece& piece_;
  PartitionValuesCache cache_;  // per worker: the shared one is not thread-safe
};

// Replays `pieces` (in replay order) into `replay` using `threads` parsing threads. The adds
// in replay.files are not squeezed yet: the seen-set refers to them by index, and a checkpoint
// may still be replayed after the commits. `keep` says which of them are live; adds appended
// later (from a checkpoint) are all live. SqueezeFiles finishes.
Status ParallelReplay(std::vector<LogPiece>& pieces, ReplayVisitor& replay, unsigned threads,
                      std::vector<uint8_t>& keep) {
  size_t slots = 0;
  for (LogPiece& p : pieces) {
    p.slot_begin = slots;
    slots += p.slot_count;
  }
  // Every line holds at most one add: size the seen-set and the vector once.
  size_t keys = 0;
  for (const LogPiece& p : pieces) keys += p.lines;
  replay.ReserveKeys(keys);
  replay.files.reserve(std::max(keys, slots));
  AdviseHugePages(replay.files.data(), replay.files.capacity() * sizeof(AddFile));
  replay.files.resize(slots);

  // After a failure no further pieces are handed out; every piece before it is parsed, which is
  // all the replay below reaches (it stops at the first failed piece).
  (void)ParallelFor(pieces.size(), static_cast<int>(threads), [&](size_t i) {
    LogPiece& p = pieces[i];
    PieceVisitor v(replay, replay.files, p);
    p.status = ParseCommitFile(p.data, p.capacity, p.file->key, v, p.first_line);
    return p.status;
  });

  keep.assign(slots, 0);
  for (LogPiece& p : pieces) {
    replay.in_target_commit = p.target_commit;
    // The seen-set is larger than the caches for 10^5+ files: look a few events ahead.
    constexpr size_t kAhead = 8;
    for (size_t j = 0; j < p.events.size(); ++j) {
      if (j + kAhead < p.events.size()) replay.PrefetchKey(p.events[j + kAhead].hash);
      const LogPiece::Event& e = p.events[j];
      switch (e.kind) {
        case LogPiece::Kind::kAdd:
          keep[e.idx] = replay.DecideAdd(e.idx, e.hash);
          break;
        case LogPiece::Kind::kOverflowAdd:
          replay.files.push_back(std::move(p.overflow[e.idx]));
          keep.push_back(replay.DecideAdd(replay.files.size() - 1, e.hash));
          break;
        case LogPiece::Kind::kRemove:
          replay.DecideRemove(p.removes[e.idx], e.hash);
          break;
        case LogPiece::Kind::kOther: {
          Status st = std::visit(
              [&](auto& a) -> Status {
                using T = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<T, Metadata>) return replay.OnMetadata(a);
                if constexpr (std::is_same_v<T, Protocol>) return replay.OnProtocol(a);
                if constexpr (std::is_same_v<T, Txn>) return replay.OnTxn(a);
                if constexpr (std::is_same_v<T, DomainMetadata>) return replay.OnDomainMetadata(a);
                if constexpr (std::is_same_v<T, CommitInfo>) return replay.OnCommitInfo(a);
                return Status::OK();
              },
              p.others[e.idx]);
          LAKE_RETURN_IF_ERROR(st);
          break;
        }
      }
    }
    // A piece that failed stops the replay where the sequential one would have stopped.
    LAKE_RETURN_IF_ERROR(p.status);
    std::vector<LogPiece::Event>().swap(p.events);
    std::deque<AddFile>().swap(p.overflow);
  }
  replay.in_target_commit = false;
  return Status::OK();
}

// Drops the adds that ParallelReplay did not keep, and its unused slots (stable: the order of
// files stays the replay's; nothing moves while every add is live). Call after the replay.
void SqueezeFiles(std::vector<AddFile>& files, const std::vector<uint8_t>& keep) {
  size_t out = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i < keep.size() && !keep[i]) continue;
    if (out != i) files[out] = std::move(files[i]);
    ++out;
  }
  files.resize(out);
}

}  // namespace
}  // namespace log

Status SnapshotBuilder::SetTableState(Snapshot& snap, Protocol protocol, Metadata metadata,
                                      const Snapshot* base) {
  bool same_schema = base && base->metadata_.schema_string == metadata.schema_string;
  snap.protocol_ = std::move(protocol);
  snap.metadata_ = std::move(metadata);
  if (same_schema) {
    snap.schema_ = base->schema_;
  } else if (!snap.metadata_.schema_string.empty()) {
    // Some log-only fixtures (delta-golden) carry metaData without a schemaString; the
    // snapshot still opens (an empty schema), scans of it will have no columns.
    LAKE_ASSIGN_OR_RETURN(snap.schema_, ParseSchema(snap.metadata_.schema_string));
  }
  // PROTOCOL.md "Column Mapping": the mode is honoured only when the protocol supports it
  // (reader version 2, or 3 with the columnMapping feature).
  const Protocol& p = snap.protocol_;
  bool cm_supported = p.min_reader_version == 2 ||
                      (p.min_reader_version == 3 && p.HasReaderFeature("columnMapping"));
  auto cm = snap.metadata_.configuration.find("delta.columnMapping.mode");
  if (cm_supported && cm != snap.metadata_.configuration.end()) {
    if (cm->second != "none" && cm->second != "name" && cm->second != "id") {
      return Status::Unsupported("unknown delta.columnMapping.mode '" + cm->second + "'");
    }
    snap.column_mapping_mode_ = cm->second;
  }
  return Status::OK();
}

Result<std::shared_ptr<const Snapshot>> SnapshotBuilder::Build(std::shared_ptr<ObjectStore> store,
                                                               const std::string& table_uri,
                                                               const log::LogSegment& segment) {
  std::string root;
  if (auto lp = store->LocalPath(""); lp.ok()) {
    root = *lp;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
  log::ReplayVisitor replay(root);
  // A remote store: fetch the segment's log files into the cache in parallel first (they are
  // immutable); the replay below then reads local copies. Errors are left to the replay.
  // (Parquet checkpoint parts are fetched in parallel by the checkpoint reader.)
  std::unordered_map<int64_t, std::string> fetched;  // version -> local copy
  if (root.empty() && !store->is_local() && segment.commits.size() > 1) {
    std::vector<FetchItem> items;
    for (const log::LogFile& f : segment.commits) {
      items.push_back(FetchItem{store.get(), f.key, f.size});
    }
    if (auto paths = FetchLocalPaths(items, 8); paths.ok()) {
      for (size_t i = 0; i < paths->size(); ++i) {
        fetched.emplace(segment.commits[i].version, std::move((*paths)[i]));
      }
    }
  }
  // Local commit files are mapped, not copied (see CommitData).
  log::CommitData buf;
  int64_t buf_version = -1;
  auto read_commit = [&](const log::LogFile& f) -> Status {
    if (buf_version == f.version) return Status::OK();
    buf_version = -1;
    auto pre = fetched.find(f.version);
    LAKE_RETURN_IF_ERROR(buf.Load(*store, f, pre == fetched.end() ? nullptr : &pre->second));
    buf_version = f.version;
    return Status::OK();
  };
  // Memory: vector doubling would leave up to 2x slack (and a 3x peak while growing) in the
  // files vector, which dominates RSS for 10^5+ files. For large local logs, count the lines
  // of the commits first (a line holds at most one add) and reserve once. Counting goes
  // oldest first so that the newest commit, replayed first, is still loaded.
  uint64_t commit_bytes = 0;
  for (const log::LogFile& f : segment.commits) commit_bytes += f.size;
  unsigned threads = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  if (const char* env = std::getenv("LAKE_LOG_THREADS"); env && *env) {
    threads = static_cast<unsigned>(std::clamp(std::atoi(env), 1, 64));
  }
  bool parallel = false;
  std::vector<uint8_t> keep;  // see ParallelReplay
  if (commit_bytes > (4u << 20) && !root.empty() && threads > 1) {
    // All commits mapped at once; pieces of ~commit_bytes / (4 * threads), at least 1 MiB.
    std::vector<log::CommitData> maps(segment.commits.size());
    std::vector<log::LogPiece> pieces;
    const size_t piece_bytes = std::max<size_t>(1u << 20, commit_bytes / (4 * threads));
    for (size_t k = segment.commits.size(); k-- > 0;) {
      const log::LogFile& f = segment.commits[k];
      auto pre = fetched.find(f.version);
      LAKE_RETURN_IF_ERROR(maps[k].Load(*store, f, pre == fetched.end() ? nullptr : &pre->second));
      std::string_view all = maps[k].data();
      size_t pos = 0;
      while (pos < all.size()) {
        size_t end = std::min(all.size(), pos + piece_bytes);
        if (end < all.size()) {
          size_t nl = all.find('\n', end);
          end = nl == std::string_view::npos ? all.size() : nl + 1;
        }
        log::LogPiece p;
        p.data = all.substr(pos, end - pos);
        p.capacity = maps[k].capacity() - pos;
        p.file = &f;
        p.target_commit = f.version == segment.version;
        pieces.push_back(std::move(p));
        pos = end;
      }
    }
    // Count lines and add lines per piece on the parsing threads too (a pass over every byte),
    // then number the lines of each file (its pieces are consecutive).
    LAKE_RETURN_IF_ERROR(ParallelFor(pieces.size(), static_cast<int>(threads), [&](size_t i) {
      log::LineCounts n = log::CountLinesAndAdds(pieces[i].data);
      pieces[i].lines = n.lines;
      pieces[i].slot_count = n.add_lines;
      return Status::OK();
    }));
    size_t line = 1;
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i == 0 || pieces[i].file != pieces[i - 1].file) line = 1;
      pieces[i].first_line = line;
      line += pieces[i].lines;
    }
    LAKE_RETURN_IF_ERROR(log::ParallelReplay(pieces, replay, threads, keep));
    parallel = true;
  } else if (commit_bytes > (4u << 20) && !root.empty()) {
    size_t lines = 0;
    for (const log::LogFile& f : segment.commits) {
      LAKE_RETURN_IF_ERROR(read_commit(f));
      lines += log::CountLines(buf.data());
    }
    replay.files.reserve(lines);
    replay.ReserveKeys(lines);
    log::AdviseHugePages(replay.files.data(), replay.files.capacity() * sizeof(AddFile));
  }
  for (auto it = segment.commits.rbegin(); !parallel && it != segment.commits.rend(); ++it) {
    replay.in_target_commit = it->version == segment.version;
    LAKE_RETURN_IF_ERROR(read_commit(*it));
    LAKE_RETURN_IF_ERROR(log::ParseCommitFile(buf.data(), buf.capacity(), it->key, replay));
  }
  replay.in_target_commit = false;
  if (segment.checkpoint) {
    replay.BeginCheckpoint();
    LAKE_RETURN_IF_ERROR(log::ReadCheckpoint(*store, *segment.checkpoint, replay));
  }
  replay.Finish();
  if (parallel) log::SqueezeFiles(replay.files, keep);
  std::string at = " in the log of " + table_uri + " at version " + std::to_string(segment.version);
  if (!replay.protocol) return Status::Corruption("no protocol action found" + at);
  if (!replay.metadata) return Status::Corruption("no metaData action found" + at);

  auto snap = std::make_shared<Snapshot>();
  snap->version_ = segment.version;
  LAKE_RETURN_IF_ERROR(
      SetTableState(*snap, std::move(*replay.protocol), std::move(*replay.metadata), nullptr));
  snap->files_ = std::move(replay.files);
  snap->tombstones_ = std::move(replay.tombstones);
  snap->txns_ = std::move(replay.txns);
  for (auto& [domain, d] : replay.domains)
    if (!d.removed) snap->domains_.emplace(domain, std::move(d));
  // PROTOCOL.md "In-Commit Timestamps": with delta.enableInCommitTimestamps the version's
  // timestamp is commitInfo.inCommitTimestamp of its commit.
  snap->timestamp_ms_ = segment.version_mtime_ms;
  auto ict = snap->metadata_.configuration.find("delta.enableInCommitTimestamps");
  if (ict != snap->metadata_.configuration.end() && ict->second == "true" &&
      replay.target_commit_info && replay.target_commit_info->in_commit_timestamp) {
    snap->timestamp_ms_ = *replay.target_commit_info->in_commit_timestamp;
  }
  snap->table_uri_ = table_uri;
  snap->store_ = std::move(store);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

int64_t Snapshot::TotalBytes() const {
  int64_t total = 0;
  for (const AddFile& f : files_) total += f.size;
  return total;
}

std::optional<int64_t> Snapshot::TotalRecords() const {
  int64_t total = 0;
  for (const AddFile& f : files_) {
    std::optional<int64_t> n = log::NumRecordsFromStats(f.stats);
    if (!n) return std::nullopt;
    total += *n - (f.deletion_vector ? f.deletion_vector->cardinality : 0);
  }
  return total;
}

}  // namespace lake
