// Catalog-coordinated commits, for object stores that do not enforce conditional writes.
//
// The Delta log's commit primitive is put-if-absent of _delta_log/<version>.json. S3 stores
// that ignore "If-None-Match: *" (older MinIO/Ceph, some appliances) would let two writers both
// "win" a version; S3Store detects that with a probe and refuses to write (object_store.h).
// Opting in with LAKE_COMMIT_COORDINATOR=catalog replaces the store's put-if-absent by a claim
// in a SQL database (the lake catalog's: $LAKE_CATALOG or $LAKE_HOME/catalog.db; PostgreSQL for
// writers on several hosts; LAKE_COMMIT_COORDINATOR_DB overrides it):
//
//   table lake_commit_claims_v2 (table_location, object_key) primary key, owner, claimed_ms,
//                               commit_data
//
// The claim *decides* the version: it records the winner's commit bytes, and every PUT of the
// key by anyone writes exactly those bytes. That is the fencing: S3 without conditional writes
// cannot refuse a stale writer's PUT, so the design makes that PUT harmless instead.
//
// CoordinatedStore::PutIfAbsent(key, data):
//   1. HEAD key: present -> AlreadyExists.
//   2. INSERT the claim (table root URI, key, random owner, data). The primary key serialises
//      writers: exactly one INSERT per key succeeds, and its bytes are the version's for good
//      (a claim is never broken or taken over).
//   3. The winner GETs the key (a writer bypassing the coordinator, or a loser that completed
//      our commit while we stalled: our bytes -> committed), then PUTs its bytes and deletes
//      its claim row (the object now answers every later put-if-absent).
//   A loser polls HEAD until the object is visible, then answers AlreadyExists, so the conflict
//   checker can read the winning commit at once. When the object does not appear within the
//   lease (the winner stalled or died between INSERT and PUT), the loser PUTs the claim's bytes
//   itself - completing the winner's commit - and answers AlreadyExists. A winner that resumes
//   after that PUTs the same bytes (harmless) or finds them in place, and reports success: its
//   commit did happen. A PUT of the winner that fails leaves the claim: IOError (outcome
//   unknown), and the next writer of the version completes it.
// Readers are unchanged (they never look at the claims).
//
// Trade-offs (docs/S3.md): every writer of the table must use the same coordinator database
// (a writer without it can still overwrite a commit); the database is a dependency on the
// commit path (not on reads) and holds each commit's bytes until its object is written; a
// writer crashing between its claim and its PUT delays that version by one lease
// (LAKE_COMMIT_LEASE_MS, default 30 s) - its commit is then written by the next writer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lake/object_store.h"
#include "lake/status.h"

namespace lake {

class CommitCoordinator {
 public:
  virtual ~CommitCoordinator() = default;
  struct ClaimInfo {
    std::string owner;
    int64_t claimed_ms = 0;
    std::string data;  // the bytes decided for the key
  };
  // OK: `owner` now holds (table_location, key), and `data` is the one content the key may get.
  // AlreadyExists: someone holds it.
  virtual Status Claim(const std::string& table_location, const std::string& key,
                       const std::string& owner, const std::string& data) = 0;
  // Drops the claim when `owner` holds it (written; or a foreign object found in place).
  virtual Status Release(const std::string& table_location, const std::string& key,
                         const std::string& owner) = 0;
  // The current claim, nullopt when there is none.
  virtual Result<std::optional<ClaimInfo>> Get(const std::string& table_location,
                                               const std::string& key) = 0;
};

// The SQL coordinator over a catalog database URI (as Catalog::Open: postgresql://..., sqlite:
// PATH or a file path; "" = $LAKE_COMMIT_COORDINATOR_DB, else Catalog::DefaultUri()). Creates
// its table when missing. One connection; safe from many threads (serialised).
Result<std::shared_ptr<CommitCoordinator>> OpenCatalogCommitCoordinator(const std::string& uri = "");

struct CoordinatedStoreOptions {
  int64_t lease_ms = 30000;       // claims older than this whose object is missing are completed
  int64_t poll_interval_ms = 20;  // a loser's HEAD polling while the winner writes
  // Tests: runs after a claim is won and checked, right before its PUT (a stall there is the
  // window a stale writer would overwrite a later commit in, without fencing).
  std::function<void(const std::string& key)> before_put;
};

// `inner` with PutIfAbsent (and the staged variants) done through `coordinator`; everything
// else is forwarded.
std::unique_ptr<ObjectStore> NewCoordinatedStore(std::unique_ptr<ObjectStore> inner,
                                                 std::shared_ptr<CommitCoordinator> coordinator,
                                                 CoordinatedStoreOptions options = {});

// When LAKE_COMMIT_COORDINATOR=catalog, wraps `store` (remote stores only; local ones have an
// atomic link()); "" or "none" returns it unchanged; another value is InvalidArgument.
Result<std::unique_ptr<ObjectStore>> MaybeCoordinate(std::unique_ptr<ObjectStore> store);

}  // namespace lake
