#pragma once
/// Internal to core/store: one open SQLite connection of a RunStore (Qt SQL's QSQLITE), with the
/// query, transaction and thread checks every repository uses.

#include "core/common/error.h"
#include "core/store/sql_util.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QThread>
#include <QVariant>

#include <functional>
#include <memory>

namespace irl4rec::store::detail {

struct Connection {
  QString connection;
  QString path;
  QSqlDatabase db;

  Error error(const QString& cause) const { return Error::at(path, 0, cause); }
  Error notOpen() const { return Error::general(QStringLiteral("the run store is not open")); }

  QThread* thread = nullptr;  // the thread that opened the connection; the only one allowed

  void checkThread() const {
    Q_ASSERT_X(thread == nullptr || thread == QThread::currentThread(), "RunStore",
               "a RunStore must be used only on the thread that opened it");
  }

  Status tx(bool write, const std::function<Status()>& body) const {
    checkThread();
    return detail::transaction(db, path, write, body);
  }

  // A prepared, bound, executed query in one call; `what` names the operation in errors.
  Expected<std::unique_ptr<QSqlQuery>> query(const QString& sql, const QVariantList& values,
                                             const QString& what) const {
    checkThread();
    auto q = std::make_unique<QSqlQuery>(db);
    q->setForwardOnly(true);
    if (Status s = prepare(*q, path, sql); !s) return s.error();
    for (int i = 0; i < values.size(); ++i) {
      // A null QString would bind as SQL NULL; text columns want ''.
      const QVariant& v = values[i];
      if (v.typeId() == QMetaType::QString &&
          static_cast<const QString*>(v.constData())->isNull()) {
        q->bindValue(i, QStringLiteral(""));
      } else {
        q->bindValue(i, v);
      }
    }
    if (Status s = execPrepared(*q, path, what); !s) return s.error();
    return q;
  }

  Status run(const QString& sql, const QVariantList& values, const QString& what) const {
    auto q = query(sql, values, what);
    return q.ok() ? Status() : Status(q.error());
  }

  bool isOpen() const { return db.isValid() && db.isOpen(); }
};

}  // namespace irl4rec::store::detail
