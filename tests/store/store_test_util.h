#pragma once
// Helpers shared by the store tests: raw SQL access to a store file that bypasses RunStore.

#include <QCryptographicHash>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QUuid>
#include <QVariant>

#include <functional>

namespace store_test {

/// Runs `body` with a private QSQLITE connection to `path`, then removes the connection.
inline void withRawDb(const QString& path, const std::function<void(QSqlDatabase&)>& body) {
  const QString name = QStringLiteral("raw-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
  {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.open();
    body(db);
    db.close();
  }
  QSqlDatabase::removeDatabase(name);
}

/// First column of the first row of `sql` (-1 when it fails).
inline qint64 scalar(const QString& path, const QString& sql) {
  qint64 result = -1;
  withRawDb(path, [&](QSqlDatabase& db) {
    QSqlQuery q(db);
    if (q.exec(sql) && q.next()) result = q.value(0).toLongLong();
  });
  return result;
}

inline QString text(const QString& path, const QString& sql) {
  QString result;
  withRawDb(path, [&](QSqlDatabase& db) {
    QSqlQuery q(db);
    if (q.exec(sql) && q.next()) result = q.value(0).toString();
  });
  return result;
}

inline QByteArray sha1(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha1);
}

}  // namespace store_test
