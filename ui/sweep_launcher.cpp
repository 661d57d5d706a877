#include "ui/sweep_launcher.h"

#include "core/store/store_types.h"
#include "core/train/sweep_runner.h"
#include "core/train/sweep_spec.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>

namespace irl4rec::ui {

namespace {

struct Planned {
  train::SweepPlan plan;
  std::vector<train::PlannedRun> toTrain;
};

Expected<Planned> planUnfinished(const QString& specPath, const QString& storePath) {
  auto spec = train::SweepSpec::read(specPath);
  if (!spec.ok()) return spec.error();
  auto plan = train::planSweep(spec.value());
  if (!plan.ok()) return plan.error();
  auto states = train::readSweepState(plan.value(), {storePath});
  if (!states.ok()) return states.error();
  Planned out{plan.value(), {}};
  for (const train::PlannedRun& r : out.plan.runs) {
    const auto it = states.value().constFind(r.id);
    if (it == states.value().constEnd() || it->status != store::RunStatus::Finished) out.toTrain.push_back(r);
  }
  return out;
}

}  // namespace

SweepLauncher::SweepLauncher(QString storePath, QString program, QObject* parent)
    : QObject(parent), storePath_(std::move(storePath)), program_(std::move(program)) {
  if (program_.isEmpty()) program_ = QCoreApplication::applicationDirPath() + QStringLiteral("/irl4rec");
}

SweepLauncher::~SweepLauncher() = default;

Expected<SweepLauncher::Preview> SweepLauncher::preview(const QString& specPath) const {
  auto planned = planUnfinished(specPath, storePath_);
  if (!planned.ok()) return planned.error();
  return Preview{planned.value().plan.name, int(planned.value().plan.runs.size()),
                 int(planned.value().toTrain.size())};
}

Status SweepLauncher::start(const QString& specPath, int parallel) {
  if (runner_) return Error::general(tr("A sweep is already running; cancel it first."));
  if (!QFileInfo(program_).isExecutable())
    return Error::at(program_, 0, tr("the irl4rec command-line program is missing; sweeps run their "
                                     "workers with it"));
  auto planned = planUnfinished(specPath, storePath_);
  if (!planned.ok()) return planned.error();
  const QString name = planned.value().plan.name;
  const int total = int(planned.value().toTrain.size());
  if (total == 0) {
    Q_EMIT progress(tr("sweep %1: every run is finished").arg(name));
    Q_EMIT finished(0, 0);
    return {};
  }
  train::SweepRunnerOptions options;
  options.program = program_;
  options.specPath = QFileInfo(specPath).absoluteFilePath();
  options.storePath = storePath_;
  options.parallel = parallel;
  options.forwardOutput = false;
  runner_ = std::make_unique<train::SweepRunner>(options, planned.value().plan, planned.value().toTrain);
  auto running = std::make_shared<int>(0);
  auto report = [this, name, total, running] {
    if (!runner_) return;
    const int ended = runner_->succeeded() + runner_->failed();
    Q_EMIT progress(tr("sweep %1: %2 of %3 done, %4 failed, %5 training")
                        .arg(name)
                        .arg(ended)
                        .arg(total)
                        .arg(runner_->failed())
                        .arg(*running));
    Q_EMIT progressed(name, ended, runner_->failed(), *running, total);
    Q_EMIT runsChanged();
  };
  connect(runner_.get(), &train::SweepRunner::runStarted, this, [running, report] {
    ++*running;
    report();
  });
  connect(runner_.get(), &train::SweepRunner::runEnded, this, [running, report] {
    --*running;
    report();
  });
  connect(runner_.get(), &train::SweepRunner::finished, this, [this] {
    // Let the runner return from its signal before it is destroyed.
    QMetaObject::invokeMethod(this, [this] {
      if (!runner_) return;
      const int ok = runner_->succeeded(), failed = runner_->failed();
      runner_.reset();
      Q_EMIT finished(ok, failed);
    }, Qt::QueuedConnection);
  });
  runner_->start();
  Q_EMIT progressed(name, 0, 0, 0, total);
  return {};
}

Status SweepLauncher::submit(const QString& specPath, const QStringList& slurmArgs) {
  if (!QFileInfo(program_).isExecutable())
    return Error::at(program_, 0, tr("the irl4rec command-line program is missing; it submits sweeps"));
  auto* process = new QProcess(this);
  process->setProgram(program_);
  process->setArguments(QStringList{QStringLiteral("sweep"), QStringLiteral("submit"),
                                    QFileInfo(specPath).absoluteFilePath(), QStringLiteral("--slurm"),
                                    QStringLiteral("--db"), storePath_} +
                        slurmArgs);
  process->setProcessChannelMode(QProcess::MergedChannels);
  connect(process, &QProcess::finished, this, [this, process](int code, QProcess::ExitStatus status) {
    const QString output = QString::fromUtf8(process->readAll()).trimmed();
    process->deleteLater();
    Q_EMIT submitted(status == QProcess::NormalExit && code == 0, output);
  });
  connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    process->deleteLater();
    Q_EMIT submitted(false, tr("could not start %1: %2").arg(program_, process->errorString()));
  });
  process->start();
  return {};
}

void SweepLauncher::cancel() {
  if (runner_) runner_->cancel();
}

}  // namespace irl4rec::ui
