#pragma once
// Internal: the store's schema as an ordered list of forward migrations. A new file runs every
// step from version 0, so the migration path from version 1 is exercised on every creation.
// Not part of the public API; see docs/STORE.md for the tables.

#include "core/common/error.h"

#include <QSqlDatabase>
#include <QString>

namespace irl4rec::store::detail {

/// Brings `db` from `fromVersion` to `toVersion` (both >= 0, from < to) and sets user_version
/// and application_id. Runs inside the caller's write transaction.
Status migrate(const QSqlDatabase& db, const QString& path, int fromVersion, int toVersion);

/// The statements that create schema version 1 exactly as the first release wrote it
/// (tests build version-1 files with it to check the migrations).
QStringList schemaVersion1();

}  // namespace irl4rec::store::detail
