// Tests of application::BackgroundJobs, the one helper behind the panels' store reads and projections:
// work runs off the owner's thread, continuations run on it, stale generations are dropped,
// exceptions reach onError, and destroying the owner waits for running jobs.
#include "core/application/background_jobs.h"

#include <QSemaphore>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>
#include <stdexcept>

using irl4rec::application::BackgroundJobs;

namespace {

/// A widget-like owner: BackgroundJobs as its last member.
class Owner : public QObject {
 public:
  explicit Owner(std::function<void(const QString&)> onError = {}) : jobs{this, std::move(onError)} {}
  BackgroundJobs jobs;
};

}  // namespace

class TestBackgroundJobs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void jobRunsOffThreadAndContinuesOnOwner();
  void staleGenerationIsDropped();
  void exceptionReachesOnError();
  void destroyingTheOwnerWaitsForRunningJobs();
};

void TestBackgroundJobs::jobRunsOffThreadAndContinuesOnOwner() {
  Owner owner;
  QThread* jobThread = nullptr;
  QThread* continuationThread = nullptr;
  owner.jobs.start([&]() -> BackgroundJobs::Continuation {
    jobThread = QThread::currentThread();
    return [&] { continuationThread = QThread::currentThread(); };
  });
  QTRY_VERIFY(continuationThread != nullptr);
  QVERIFY(jobThread != nullptr && jobThread != QThread::currentThread());
  QCOMPARE(continuationThread, QThread::currentThread());
  QTRY_COMPARE(owner.jobs.running(), 0);
}

void TestBackgroundJobs::staleGenerationIsDropped() {
  Owner owner;
  QSemaphore release;
  QStringList delivered;
  auto request = [&](const QString& name, bool wait) {
    const quint64 generation = owner.jobs.nextGeneration();
    owner.jobs.start([&, name, wait, generation]() -> BackgroundJobs::Continuation {
      if (wait) release.acquire();
      return [&, name, generation] {
        if (owner.jobs.isCurrent(generation)) delivered << name;
      };
    });
  };
  request(QStringLiteral("old"), true);   // blocked until the newer request is done
  request(QStringLiteral("new"), false);
  QTRY_COMPARE(delivered, QStringList{QStringLiteral("new")});
  release.release();
  QTRY_COMPARE(owner.jobs.running(), 0);
  QCoreApplication::processEvents();
  QCOMPARE(delivered, QStringList{QStringLiteral("new")});  // the old result was dropped
}

void TestBackgroundJobs::exceptionReachesOnError() {
  QString error;
  QThread* errorThread = nullptr;
  Owner owner([&](const QString& what) {
    error = what;
    errorThread = QThread::currentThread();
  });
  owner.jobs.start([]() -> BackgroundJobs::Continuation { throw std::runtime_error("disk gone"); });
  QTRY_COMPARE(error, QStringLiteral("disk gone"));
  QCOMPARE(errorThread, QThread::currentThread());
}

void TestBackgroundJobs::destroyingTheOwnerWaitsForRunningJobs() {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  auto continued = std::make_shared<std::atomic<bool>>(false);
  QSemaphore started;
  {
    Owner owner;
    owner.jobs.start([finished, continued, &started]() -> BackgroundJobs::Continuation {
      started.release();
      QThread::msleep(50);
      finished->store(true);
      return [continued] { continued->store(true); };
    });
    started.acquire();
  }  // ~Owner: waits for the job; its continuation is dropped with the owner
  QVERIFY(finished->load());
  QCoreApplication::processEvents();
  QVERIFY(!continued->load());
}

QTEST_GUILESS_MAIN(TestBackgroundJobs)
#include "test_background_jobs.moc"
