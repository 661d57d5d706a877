#include "ui/about_dialog.h"

#include "core/common/build_info.h"
#include "core/store/run_store.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace irl4rec::ui {

AboutDialog::AboutDialog(const QString& storePath, bool storeOpen, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("About Irl4Rec Workbench"));
  auto rows = buildInfo().rows(store::RunStore::describe(storePath));
  if (!storeOpen) rows.append({QStringLiteral("store status"), tr("could not be opened")});

  auto* layout = new QVBoxLayout(this);
  auto* header = new QHBoxLayout;
  auto* icon = new QLabel(this);
  icon->setPixmap(QApplication::windowIcon().pixmap(64, 64));
  header->addWidget(icon, 0, Qt::AlignTop);
  auto* title = new QLabel(
      tr("<h2>Irl4Rec Workbench</h2><p>Sequential recommendation with invariant representation "
         "learning, and a fair judge of it: strong baselines from cited recipes, full-ranking "
         "metrics, seeds and significance.</p>"),
      this);
  title->setWordWrap(true);
  header->addWidget(title, 1);
  layout->addLayout(header);

  QString html = QStringLiteral("<table cellspacing=\"2\" cellpadding=\"2\">");
  for (const auto& [label, value] : rows) {
    html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
    plainText_ += QStringLiteral("%1: %2\n").arg(label, value);
  }
  html += QStringLiteral("</table>");
  auto* facts = new QLabel(html, this);
  facts->setObjectName(QStringLiteral("buildFacts"));
  facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
  facts->setWordWrap(true);
  facts->setMinimumWidth(520);  // on the label: a size constraint on the window itself is a
                                // window-system call that some platforms only warn about
  layout->addWidget(facts);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  QPushButton* copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
  copy->setToolTip(tr("Copy these facts as text, e.g. for a bug report"));
  connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(plainText_); });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

}  // namespace irl4rec::ui
