#pragma once

#include <QMainWindow>

namespace irl4rec::ui {

class DatasetPanel;

/// The workbench's main window: dataset panel now; runs, curves, compare and explorer later.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  /// Loads a dataset in the background and shows it in the dataset panel.
  void openDataset(const QString& path);
  /// Saves a screenshot of the window to `path` once the window has settled, then quits.
  void scheduleScreenshot(const QString& path);

  DatasetPanel* datasetPanel() const { return datasetPanel_; }

 private:
  void chooseDataset();
  DatasetPanel* datasetPanel_ = nullptr;
};

}  // namespace irl4rec::ui
