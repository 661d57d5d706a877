// irl4rec-workbench: the desktop workbench.
#include "core/common/blas_kernels.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

int main(int argc, char** argv) {
  irl4rec::restartWithFastBlasKernels(argv);  // before anything loads a matrix
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("irl4rec"));
  QApplication::setOrganizationName(QStringLiteral("irl4rec"));
  QApplication::setApplicationDisplayName(QStringLiteral("Irl4Rec Workbench"));
  QApplication::setApplicationVersion(QStringLiteral(IRL4REC_VERSION));
  // The desktop entry's id (resources/org.irl4rec.Workbench.desktop): lets Wayland and the
  // task bar match the window to its icon.
  QApplication::setDesktopFileName(QStringLiteral("org.irl4rec.Workbench"));
  QIcon icon;
  for (int size : {16, 24, 32, 48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/%1.png").arg(size));
  QApplication::setWindowIcon(icon);

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
  QCommandLineOption tabOption(QStringLiteral("tab"),
                               QStringLiteral("Tab to show at start: dataset, runs, compare or explorer."),
                               QStringLiteral("NAME"));
  QCommandLineOption launchOption(QStringLiteral("launch"),
                                  QStringLiteral("Launch the preset or recipe NAME on the dataset once it is loaded."),
                                  QStringLiteral("NAME"));
  QCommandLineOption epochsOption(QStringLiteral("epochs"),
                                  QStringLiteral("With --launch: number of epochs."),
                                  QStringLiteral("N"));
  QCommandLineOption aboutOption(QStringLiteral("about"), QStringLiteral("Open Help > About at start."));
  parser.addOption(aboutOption);
  QCommandLineOption sweepOption(QStringLiteral("sweep"),
                                 QStringLiteral("Show the sweep NAME in Compare > Sweep at start "
                                                "(NAME:parallel or NAME:table for those views)."),
                                 QStringLiteral("NAME"));
  parser.addOption(sweepOption);
  QCommandLineOption newSweepOption(QStringLiteral("new-sweep"),
                                    QStringLiteral("Open File > New sweep once the dataset is loaded."));
  parser.addOption(newSweepOption);
  QCommandLineOption delayOption(QStringLiteral("screenshot-delay"),
                                 QStringLiteral("Milliseconds before --screenshot is taken."),
                                 QStringLiteral("MS"));
  parser.addOption(delayOption);
  parser.addOption(tabOption);
  parser.addOption(launchOption);
  parser.addOption(epochsOption);
  parser.addOption(dataOption);
  parser.addOption(dbOption);
  parser.addOption(screenshotOption);
  parser.process(app);

  irl4rec::ui::MainWindow window(parser.value(dbOption));
  window.resize(1280, 800);
  window.show();
  if (parser.isSet(tabOption)) window.showTab(parser.value(tabOption));
  if (parser.isSet(launchOption)) {
    window.launchWhenLoaded(parser.value(launchOption),
                            parser.isSet(epochsOption) ? parser.value(epochsOption).toInt() : 0);
  }
  if (parser.isSet(aboutOption)) window.showAbout();
  if (parser.isSet(sweepOption)) {
    const QString value = parser.value(sweepOption);
    const int colon = value.lastIndexOf(QLatin1Char(':'));
    const QString view = colon > 0 ? value.mid(colon + 1) : QString();
    const bool known = view == QLatin1String("parallel") || view == QLatin1String("table") ||
                       view == QLatin1String("heat");
    window.showSweep(known ? value.left(colon) : value, known ? view : QString());
  }
  if (parser.isSet(newSweepOption)) {
    QObject::connect(&window, &irl4rec::ui::MainWindow::datasetLoaded, &window,
                     [&window] { window.newSweep(); }, Qt::SingleShotConnection);
  }
  if (parser.isSet(dataOption)) window.openDataset(parser.value(dataOption));
  if (parser.isSet(screenshotOption)) {
    window.scheduleScreenshot(parser.value(screenshotOption),
                              parser.isSet(delayOption) ? parser.value(delayOption).toInt() : 1500);
  }
  return QApplication::exec();
}
