// irl4rec-workbench: the desktop workbench.
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("irl4rec"));
  QApplication::setOrganizationName(QStringLiteral("irl4rec"));
  QApplication::setApplicationDisplayName(QStringLiteral("Irl4Rec Workbench"));
  QApplication::setApplicationVersion(QStringLiteral(IRL4REC_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Workbench for invariant sequential recommendation"));
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("Dataset to open at start."),
                                QStringLiteral("PATH"));
  QCommandLineOption dbOption(QStringLiteral("db"),
                              QStringLiteral("Run store file (default: in the user's data directory)."),
                              QStringLiteral("FILE"));
  QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                      QStringLiteral("Save a screenshot to FILE after start-up and quit."),
                                      QStringLiteral("FILE"));
  parser.addOption(dataOption);
  parser.addOption(dbOption);
  parser.addOption(screenshotOption);
  parser.process(app);

  irl4rec::ui::MainWindow window(parser.value(dbOption));
  window.resize(1280, 800);
  window.show();
  if (parser.isSet(dataOption)) window.openDataset(parser.value(dataOption));
  if (parser.isSet(screenshotOption)) window.scheduleScreenshot(parser.value(screenshotOption));
  return QApplication::exec();
}
