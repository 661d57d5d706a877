#pragma once

#include <QDialog>

class QLabel;

namespace irl4rec::ui {

/// Help ▸ About: what this build is (version, git revision, build type, Qt, LibTorch, the BLAS
/// in use) and which run store it works on, with a button that copies it all as text for a
/// bug report.
class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  /// `storePath` is the store the window opened; `storeOpen` false when it could not be opened.
  AboutDialog(const QString& storePath, bool storeOpen, QWidget* parent = nullptr);

  /// The same facts as plain "label: value" lines (what Copy puts on the clipboard).
  QString plainText() const { return plainText_; }

 private:
  QString plainText_;
};

}  // namespace irl4rec::ui
