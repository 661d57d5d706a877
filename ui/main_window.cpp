#include "ui/main_window.h"

#include "ui/dataset_panel.h"

#include <QApplication>
#include <QScreen>
#include <QTimer>

namespace irl4rec::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  datasetPanel_ = new DatasetPanel(this);
  setCentralWidget(datasetPanel_);
}

void MainWindow::openDataset(const QString& path) {}
void MainWindow::chooseDataset() {}

void MainWindow::scheduleScreenshot(const QString& path) {
  QTimer::singleShot(1500, this, [this, path] {
    grab().save(path);
    QApplication::quit();
  });
}

}  // namespace irl4rec::ui
