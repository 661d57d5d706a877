#pragma once
/// CSV output (RFC 4180) for every export of the workbench: the CLI's `runs metrics --csv`,
/// the Compare tab's tables and the Explorer's rows. Qt Core only.

#include <QString>
#include <QStringList>

namespace irl4rec {

/// One field: as it is, or in double quotes (inner quotes doubled) when it holds a comma, a
/// quote, a line feed or a carriage return.
QString csvField(const QString& text);
/// Fields joined by commas, ending with a line feed.
QString csvLine(const QStringList& fields);

}  // namespace irl4rec
