// Test-only fault injection for the run store, loaded into a real writer process (the `irl4rec`
// CLI) with LD_PRELOAD by test_store_faults. Nothing in the product reads these variables.
//
// It wraps SQLite's default VFS (every connection the process opens, Qt's QSQLITE driver
// included, goes through it) and traces every statement, counting
//   statements  SQL statements started (SQLITE_TRACE_STMT, all connections)
//   writes      xWrite calls on database and WAL files
//   dbwrites    xWrite calls on the main database file (in WAL mode: checkpoints only)
// IRL4REC_FAULT_STOP=WHAT:N stops the process (SIGSTOP) right before the N-th statement / write
// (WHAT = stmt | write | dbwrite), or sql:TEXT:N before the N-th statement whose SQL contains
// TEXT. It prints "fault-stop WHAT N: detail" on stderr first. The test then reads the file as
// it is at that instant and kills the process with SIGKILL.
// IRL4REC_FAULT_DENY=TABLE.COLUMN:N makes every UPDATE of TABLE.COLUMN fail to compile
// ("not authorized", through SQLite's authorizer) from the N-th on: a write that keeps failing.
// IRL4REC_FAULT_COUNTS=FILE: "statements S writes W dbwrites D" is written there at exit.
#include <sqlite3.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<long> gStatements{0}, gWrites{0}, gDbWrites{0}, gMatches{0};
// Plain arrays: the constructor below may run before C++ globals of this file are constructed.
char gStopWhat[16] = "";
char gStopText[256] = "";
long gStopAt = 0;

char gDenyTable[64] = "";
char gDenyColumn[64] = "";
long gDenyFrom = 0;
std::atomic<long> gDenySeen{0};

bool stopOn(const char* what) { return std::strcmp(gStopWhat, what) == 0; }
sqlite3_vfs* gReal = nullptr;
sqlite3_vfs gVfs;

void stopHere(const char* what, long n, const char* detail) {
  std::fprintf(stderr, "fault-stop %s %ld: %.200s\n", what, n, detail ? detail : "");
  std::fflush(stderr);
  std::raise(SIGSTOP);
}

struct ShimFile {
  sqlite3_file base;
  bool mainDb;
  bool counted;  // main database or WAL
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

ShimFile* shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return shim(f)->real(); }

int xClose(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int xRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), p, n, off);
}
int xWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (shim(f)->counted) {
    const long w = ++gWrites;
    if (stopOn("write") && w == gStopAt) stopHere("write", w, shim(f)->mainDb ? "db" : "wal");
    if (shim(f)->mainDb) {
      const long d = ++gDbWrites;
      if (stopOn("dbwrite") && d == gStopAt) stopHere("dbwrite", d, "db");
    }
  }
  return real(f)->pMethods->xWrite(real(f), p, n, off);
}
int xTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int xSync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int xFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int xLock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int xUnlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int xCheckReservedLock(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int xFileControl(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int xSectorSize(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int xDeviceCharacteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int xShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int xShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void xShmBarrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int xShmUnmap(sqlite3_file* f, int deleteFlag) {
  return real(f)->pMethods->xShmUnmap(real(f), deleteFlag);
}
int xFetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real(f)->pMethods->xFetch(real(f), off, n, out);
}
int xUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods kMethods = {3,
                                     xClose,
                                     xRead,
                                     xWrite,
                                     xTruncate,
                                     xSync,
                                     xFileSize,
                                     xLock,
                                     xUnlock,
                                     xCheckReservedLock,
                                     xFileControl,
                                     xSectorSize,
                                     xDeviceCharacteristics,
                                     xShmMap,
                                     xShmLock,
                                     xShmBarrier,
                                     xShmUnmap,
                                     xFetch,
                                     xUnfetch};

int xOpen(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* outFlags) {
  ShimFile* s = shim(f);
  s->mainDb = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  s->counted = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  const int rc = gReal->xOpen(gReal, name, s->real(), flags, outFlags);
  // SQLite calls xClose only when pMethods is set; the real file's methods must be version 3.
  s->base.pMethods = (rc == SQLITE_OK && s->real()->pMethods) ? &kMethods : nullptr;
  return rc;
}

int trace(unsigned type, void*, void*, void* x) {
  if (type != SQLITE_TRACE_STMT) return 0;
  const char* sql = static_cast<const char*>(x);
  const long n = ++gStatements;
  if (stopOn("stmt") && n == gStopAt) stopHere("stmt", n, sql);
  if (stopOn("sql") && sql && std::strstr(sql, gStopText)) {
    const long m = ++gMatches;
    if (m == gStopAt) stopHere("sql", m, sql);
  }
  return 0;
}

int authorize(void*, int action, const char* table, const char* column, const char*, const char*) {
  if (action == SQLITE_UPDATE && table && column && std::strcmp(table, gDenyTable) == 0 &&
      std::strcmp(column, gDenyColumn) == 0 && ++gDenySeen >= gDenyFrom) {
    std::fprintf(stderr, "fault-deny %s.%s %ld\n", table, column, gDenySeen.load());
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}

int onConnection(sqlite3* db, const char**, const sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, nullptr);
  if (gDenyFrom > 0) sqlite3_set_authorizer(db, authorize, nullptr);
  return SQLITE_OK;
}

__attribute__((constructor)) void install() {
  if (const char* stop = std::getenv("IRL4REC_FAULT_STOP")) {
    // WHAT:N or sql:TEXT:N (TEXT may not contain ':').
    const char* first = std::strchr(stop, ':');
    const char* last = std::strrchr(stop, ':');
    if (first && size_t(first - stop) < sizeof gStopWhat &&
        size_t(last - first) <= sizeof gStopText) {
      std::memcpy(gStopWhat, stop, size_t(first - stop));
      gStopAt = std::atol(last + 1);
      if (last > first) std::memcpy(gStopText, first + 1, size_t(last - first - 1));
    }
  }
  if (const char* deny = std::getenv("IRL4REC_FAULT_DENY")) {
    const char* dot = std::strchr(deny, '.');
    const char* colon = std::strrchr(deny, ':');
    if (dot && colon && colon > dot && size_t(dot - deny) < sizeof gDenyTable &&
        size_t(colon - dot) <= sizeof gDenyColumn) {
      std::memcpy(gDenyTable, deny, size_t(dot - deny));
      std::memcpy(gDenyColumn, dot + 1, size_t(colon - dot - 1));
      gDenyFrom = std::atol(colon + 1);
    }
  }
  gReal = sqlite3_vfs_find(nullptr);
  if (!gReal) return;
  gVfs = *gReal;
  gVfs.zName = "irl4rec-fault";
  gVfs.szOsFile = int(sizeof(ShimFile)) + gReal->szOsFile;
  gVfs.xOpen = xOpen;
  sqlite3_vfs_register(&gVfs, 1);
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(onConnection));
}

__attribute__((destructor)) void report() {
  const char* path = std::getenv("IRL4REC_FAULT_COUNTS");
  if (!path) return;
  if (std::FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "statements %ld writes %ld dbwrites %ld\n", gStatements.load(), gWrites.load(),
                 gDbWrites.load());
    std::fclose(f);
  }
}

}  // namespace
