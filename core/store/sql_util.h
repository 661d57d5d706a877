#pragma once
// Internal helpers of core/store: Qt SQL calls that retry while SQLite reports the file busy
// and turn failures into Errors naming the store file. Not part of the public API.

#include "core/common/error.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>

#include <functional>

namespace irl4rec::store::detail {

/// How long one statement keeps retrying a busy/locked file before giving up. SQLite's own
/// busy handler (busy_timeout) waits inside each attempt.
constexpr int kBusyTimeoutMs = 10000;
constexpr int kBusyGiveUpMs = 120000;

/// SQLITE_BUSY or SQLITE_LOCKED (primary or extended code).
bool isBusy(const QSqlError& error);
/// SQLITE_CORRUPT or SQLITE_NOTADB.
bool isCorrupt(const QSqlError& error);

/// "<what>: <driver text>" as an Error on `path`, with a hint for corrupt files.
Error sqlError(const QString& path, const QString& what, const QSqlError& error);

/// Executes a prepared (and bound) query, retrying while busy.
Status execPrepared(QSqlQuery& query, const QString& path, const QString& what);
/// Prepares and executes `sql` without bound values, retrying while busy.
Status exec(const QSqlDatabase& db, const QString& path, const QString& sql);
/// Prepares `sql` on `query`; an Error when the statement does not compile.
Status prepare(QSqlQuery& query, const QString& path, const QString& sql);

/// Runs `body` inside BEGIN IMMEDIATE (write = true) or BEGIN (deferred, for consistent
/// multi-statement reads) ... COMMIT, rolling back when it fails. BEGIN and COMMIT retry while
/// busy, so concurrent writers queue up instead of failing.
Status transaction(const QSqlDatabase& db, const QString& path, bool write,
                   const std::function<Status()>& body);

}  // namespace irl4rec::store::detail
