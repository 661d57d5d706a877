// A sweep on a real SLURM cluster: the test starts a single-node cluster of its own (munged,
// slurmctld, slurmd from Debian's munge and slurm-wlm, all in a temporary directory, on ports off
// the defaults), submits a 4-run sweep on the synthetic data as a job array, waits for it,
// merges the shards with `runs import` and checks four finished runs with metrics and
// embeddings; then cancels a running sweep with `sweep cancel`. The daemons are stopped by pid
// at the end, also when a check fails. Needs root (the daemons and jobs run as root); skips
// otherwise.
#include "sweep/sweep_test_util.h"

#include "core/train/sweep_spec.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSysInfo>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>
#include <memory>
#include <unistd.h>

using namespace sweep_test;

namespace {

QString tool(const QString& name) {
  return QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"),
                                               QStringLiteral("/sbin"), QStringLiteral("/bin")});
}

QString readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestSweepSlurm : public QObject {
  Q_OBJECT

  std::unique_ptr<QTemporaryDir> dir_;
  QString conf_;
  QProcessEnvironment env_;
  std::vector<std::unique_ptr<QProcess>> daemons_;  // munged, slurmctld, slurmd

  QString path(const QString& name) const { return dir_->filePath(name); }

  /// Starts a daemon in the foreground (stopped by pid in stopDaemons()).
  bool startDaemon(const QString& program, const QStringList& args, const QString& log) {
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(env_);
    p->setWorkingDirectory(dir_->path());
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardOutputFile(log);
    p->start(program, args);
    const bool started = p->waitForStarted(10000);
    daemons_.push_back(std::move(p));
    return started;
  }

  void stopDaemons() {
    // Reverse order: slurmd, slurmctld, then munged. SIGTERM, then SIGKILL after 15 s.
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
      QProcess& p = **it;
      if (p.state() == QProcess::NotRunning) continue;
      ::kill(pid_t(p.processId()), SIGTERM);
      if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(5000);
      }
    }
    daemons_.clear();
  }

  /// Polls `done` every 500 ms for up to `limitMs` (a limit, not a measured threshold).
  template <typename F>
  bool waitFor(F done, int limitMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
      if (t.elapsed() > limitMs) return false;
      QThread::msleep(500);
    }
    return true;
  }

  QJsonObject status(const QString& spec, const QStringList& extra = {}) {
    const Result r = runCli(QStringList{QStringLiteral("sweep"), QStringLiteral("status"), spec,
                                        QStringLiteral("--json")} + extra,
                            120000, env_);
    if (r.code != 0) qWarning("sweep status: %s", qPrintable(r.err));
    return QJsonDocument::fromJson(r.out.toUtf8()).object();
  }

  QString logs() const {
    return QStringLiteral("slurmctld:\n%1\nslurmd:\n%2")
        .arg(readAll(path(QStringLiteral("slurmctld.log"))).right(3000),
             readAll(path(QStringLiteral("slurmd.log"))).right(3000));
  }

 public:
  ~TestSweepSlurm() override { stopDaemons(); }

 private Q_SLOTS:
  void initTestCase() {
    if (::geteuid() != 0)
      QSKIP("needs root: the test starts its own munged, slurmctld and slurmd, and SLURM runs "
            "the jobs as that user (run the suite as root, e.g. scripts/bootstrap.sh test)");
    for (const char* name : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"}) {
      QVERIFY2(!tool(QLatin1String(name)).isEmpty(),
               qPrintable(QStringLiteral("%1 is not installed: scripts/install-deps.sh --test installs "
                                         "Debian's slurm-wlm and munge")
                              .arg(QLatin1String(name))));
    }
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(dir_->isValid());
    // munged refuses group/world-writable directories on the way to its files.
    QFile::setPermissions(dir_->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    for (const char* sub : {"munge", "state", "spool", "shared"}) QVERIFY(QDir(dir_->path()).mkpath(QLatin1String(sub)));
    QFile::setPermissions(path(QStringLiteral("munge")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    // munged with its own key, socket, pid, log and seed files.
    const QString key = path(QStringLiteral("munge/munge.key"));
    {
      QFile f(key);
      QVERIFY(f.open(QIODevice::WriteOnly));
      QByteArray bytes(1024, '\0');
      for (char& c : bytes) c = char(QRandomGenerator::system()->bounded(256));
      f.write(bytes);
    }
    QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QString socket = path(QStringLiteral("munge/munge.socket"));
    env_ = QProcessEnvironment::systemEnvironment();
    env_.remove(QStringLiteral("IRL4REC_DB"));
    QVERIFY(startDaemon(tool(QStringLiteral("munged")),
                        {QStringLiteral("--foreground"), QStringLiteral("--force"),
                         QStringLiteral("--socket=") + socket, QStringLiteral("--key-file=") + key,
                         QStringLiteral("--pid-file=") + path(QStringLiteral("munge/munged.pid")),
                         QStringLiteral("--log-file=") + path(QStringLiteral("munge/munged.log")),
                         QStringLiteral("--seed-file=") + path(QStringLiteral("munge/munged.seed"))},
                        path(QStringLiteral("munged.out"))));
    QVERIFY2(waitFor([&] { return QFileInfo::exists(socket); }, 30000),
             qPrintable(readAll(path(QStringLiteral("munged.out"))) + readAll(path(QStringLiteral("munge/munged.log")))));

    // slurm.conf: one node (this host, 2 CPUs), no accounting, no cgroups, ports off the defaults.
    const QString host = QSysInfo::machineHostName().section(QLatin1Char('.'), 0, 0);
    const int port = 20000 + 2 * int(QRandomGenerator::global()->bounded(10000));
    conf_ = path(QStringLiteral("slurm.conf"));
    const QString conf =
        QStringLiteral(
            "ClusterName=irl4rectest\n"
            "SlurmctldHost=%1\n"
            "SlurmUser=root\n"
            "SlurmdUser=root\n"
            "SlurmctldPort=%2\n"
            "SlurmdPort=%3\n"
            "AuthType=auth/munge\n"
            "CredType=cred/munge\n"
            "AuthInfo=socket=%4\n"
            "StateSaveLocation=%5/state\n"
            "SlurmdSpoolDir=%5/spool\n"
            "SlurmctldPidFile=%5/slurmctld.pid\n"
            "SlurmdPidFile=%5/slurmd.pid\n"
            "SlurmctldLogFile=%5/slurmctld.log\n"
            "SlurmdLogFile=%5/slurmd.log\n"
            "ProctrackType=proctrack/linuxproc\n"
            "TaskPlugin=task/none\n"
            "SelectType=select/cons_tres\n"
            "SelectTypeParameters=CR_Core\n"
            "JobAcctGatherType=jobacct_gather/none\n"
            "AccountingStorageType=accounting_storage/none\n"
            "JobCompType=jobcomp/none\n"
            "MpiDefault=none\n"
            "SwitchType=switch/none\n"
            "ReturnToService=2\n"
            "NodeName=%1 CPUs=2 State=UNKNOWN\n"
            "PartitionName=test Nodes=%1 Default=YES MaxTime=INFINITE State=UP\n")
            .arg(host)
            .arg(port)
            .arg(port + 1)
            .arg(socket, dir_->path());
    QVERIFY(!writeFile(conf_, conf.toUtf8()).isEmpty());
    env_.insert(QStringLiteral("SLURM_CONF"), conf_);

    QVERIFY(startDaemon(tool(QStringLiteral("slurmctld")), {QStringLiteral("-D"), QStringLiteral("-c"), QStringLiteral("-f"), conf_},
                        path(QStringLiteral("slurmctld.out"))));
    QVERIFY(startDaemon(tool(QStringLiteral("slurmd")), {QStringLiteral("-D"), QStringLiteral("-f"), conf_},
                        path(QStringLiteral("slurmd.out"))));
    const bool idle = waitFor(
        [&] {
          QProcess sinfo;
          sinfo.setProcessEnvironment(env_);
          sinfo.start(tool(QStringLiteral("sinfo")), {QStringLiteral("-h"), QStringLiteral("-o"), QStringLiteral("%t")});
          sinfo.waitForFinished(30000);
          return QString::fromUtf8(sinfo.readAllStandardOutput()).trimmed() == QLatin1String("idle");
        },
        90000);
    QVERIFY2(idle, qPrintable(QStringLiteral("the node did not become idle\n") + logs()));
  }

  void cleanupTestCase() { stopDaemons(); }

  void fourRunSweepOnTheCluster() {
    const QString shared = path(QStringLiteral("shared"));
    const QString spec = writeSpec(path(QStringLiteral("four.json")),
                                   {{QStringLiteral("name"), QStringLiteral("four")},
                                    {QStringLiteral("base"), tinyBase(2)},
                                    {QStringLiteral("datasets"), syntheticData()},
                                    {QStringLiteral("seeds"), QJsonArray{1, 2}},
                                    {QStringLiteral("axes"), QJsonObject{{QStringLiteral("beta"), QJsonArray{0.0, 0.1}}}}});
    const Result submitted = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm"),
                                     QStringLiteral("--partition"), QStringLiteral("test"), QStringLiteral("--time"),
                                     QStringLiteral("30:00"), QStringLiteral("--cpus-per-task"), QStringLiteral("1"),
                                     QStringLiteral("--max-parallel"), QStringLiteral("2"), QStringLiteral("--shared-dir"),
                                     shared},
                                    120000, env_);
    QVERIFY2(submitted.code == 0, qPrintable(submitted.err));
    QVERIFY2(submitted.out.contains(QLatin1String("submitted job")) && submitted.out.contains(QLatin1String("4 run(s)")),
             qPrintable(submitted.out));
    QVERIFY(QFileInfo::exists(path(QStringLiteral("four.jobs.json"))));

    // A second submit while the tasks are queued or running submits nothing again.
    const Result again = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm")},
                                120000, env_);
    QVERIFY2(again.code == 0 && again.out.contains(QLatin1String("nothing to submit")), qPrintable(again.out + again.err));

    QJsonObject last;
    const bool ended = waitFor(
        [&] {
          last = status(spec);
          const QJsonObject c = last.value(QLatin1String("counts")).toObject();
          return c.value(QLatin1String("finished")).toInt() + c.value(QLatin1String("failed")).toInt() == 4;
        },
        600000);
    QVERIFY2(ended, qPrintable(QString::fromUtf8(QJsonDocument(last).toJson()) + logs()));
    QVERIFY2(last.value(QLatin1String("counts")).toObject().value(QLatin1String("finished")).toInt() == 4,
             qPrintable(QString::fromUtf8(QJsonDocument(last).toJson()) +
                        readAll(QDir(shared + QStringLiteral("/logs")).entryInfoList(QDir::Files).value(0).filePath())));

    // Merge the four shards into a desktop store.
    const QStringList shards = QDir(shared).entryList({QStringLiteral("shard-*.sqlite")}, QDir::Files);
    QCOMPARE(shards.size(), 4);
    QStringList args{QStringLiteral("runs"), QStringLiteral("import")};
    for (const QString& s : shards) args << QDir(shared).filePath(s);
    const QString desk = path(QStringLiteral("desk.sqlite"));
    args << QStringLiteral("--db") << desk;
    const Result imported = runCli(args, 120000, env_);
    QVERIFY2(imported.code == 0, qPrintable(imported.err));
    QVERIFY2(imported.out.contains(QLatin1String("4 new run(s)")), qPrintable(imported.out));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(*) FROM runs WHERE status = 'finished'")), qint64(4));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(*) FROM runs")), qint64(4));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(DISTINCT run_id) FROM metric_summary WHERE key = "
                                                     "'val/ndcg@10' AND best_value IS NOT NULL")),
             qint64(4));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(DISTINCT run_id) FROM metric_summary WHERE key = "
                                                     "'test/ndcg@10'")),
             qint64(4));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(DISTINCT run_id) FROM embeddings WHERE kind = 'adjustment'")),
             qint64(4));
    // Importing again duplicates nothing.
    const Result twice = runCli(args, 120000, env_);
    QVERIFY2(twice.code == 0 && twice.out.contains(QLatin1String("0 new run(s)")), qPrintable(twice.out + twice.err));
    QCOMPARE(store_test::scalar(desk, QStringLiteral("SELECT count(*) FROM runs")), qint64(4));

    // With everything finished, a new submission has nothing to do.
    const Result done = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm")},
                               120000, env_);
    QVERIFY2(done.code == 0 && done.out.contains(QLatin1String("nothing to submit")), qPrintable(done.out + done.err));
  }

  void cancelStopsTheJobs() {
    const QString spec = writeSpec(path(QStringLiteral("long.json")),
                                   {{QStringLiteral("name"), QStringLiteral("long")},
                                    {QStringLiteral("base"), tinyBase(10000)},
                                    {QStringLiteral("datasets"), syntheticData()},
                                    {QStringLiteral("seeds"), QJsonArray{1}}});
    const Result submitted = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm")},
                                    120000, env_);
    QVERIFY2(submitted.code == 0, qPrintable(submitted.err));
    // Cancel once the task has recorded its run in its shard (before that, a cancelled task
    // leaves nothing and its run is simply pending again).
    const QString shard = QDir(path(QStringLiteral("long.sweep"))).filePath(QStringLiteral("shard-%1.sqlite").arg(
        QJsonDocument::fromJson(runCli({QStringLiteral("sweep"), QStringLiteral("plan"), spec, QStringLiteral("--json")}, 60000, env_).out.toUtf8())
            .object().value(QLatin1String("runs")).toArray().at(0).toObject().value(QLatin1String("id")).toString()));
    QVERIFY2(waitFor([&] {
               return QFileInfo::exists(shard) &&
                      store_test::scalar(shard, QStringLiteral("SELECT count(*) FROM runs WHERE status = 'running'")) == 1;
             }, 180000),
             qPrintable(logs()));
    const Result cancelled = runCli({QStringLiteral("sweep"), QStringLiteral("cancel"), spec}, 120000, env_);
    QVERIFY2(cancelled.code == 0, qPrintable(cancelled.err));
    // Gone from the queue, the run shows as failed and would be submitted again.
    QJsonObject last;
    QVERIFY2(waitFor([&] {
               last = status(spec);
               return last.value(QLatin1String("counts")).toObject().value(QLatin1String("failed")).toInt() == 1;
             }, 120000),
             qPrintable(QString::fromUtf8(QJsonDocument(last).toJson())));
    const Result again = runCli({QStringLiteral("sweep"), QStringLiteral("submit"), spec, QStringLiteral("--slurm"),
                                 QStringLiteral("--dry-run")}, 120000, env_);
    QVERIFY2(again.code == 0 && again.out.startsWith(QLatin1String("1 run(s) of 1")), qPrintable(again.out + again.err));
  }
};

QTEST_GUILESS_MAIN(TestSweepSlurm)
#include "test_sweep_slurm.moc"
