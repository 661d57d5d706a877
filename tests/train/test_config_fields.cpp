// TrainConfig described once: the field table drives toJson / fromJson, the CLI's flags and the
// group key. These tests pin what stored runs depend on (their JSON and group keys read and
// written exactly as before the table) and that every row is reachable from JSON and the CLI.

#include "core/train/config_fields.h"
#include "core/train/metric_keys.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QtTest>

using irl4rec::train::ConfigField;
using irl4rec::train::TrainConfig;

namespace {

QJsonObject parse(const char* json) { return QJsonDocument::fromJson(QByteArray(json)).object(); }

// Two configurations and their group keys exactly as the baselines study's store holds them
// (written by the code before the field table, session 9; data_path made relative here — it is
// bookkeeping, outside the group key): they must read back and be written
// and grouped exactly alike, or new seeds would not join old runs' groups.
const char kStoredBert[] =
    R"({"alpha":0,"batch_size":256,"batching":"random","beta":0,"ce_kernel":"fused","checkpoint_path":"","cloze_last":false,"compression":"l2","data_path":"../shared/datasets/amazon/Beauty.txt","dependence":"xcorr","dropout":0.1,"encoder":"bert4rec","epochs":200,"eval_batch_size":512,"eval_every":5,"eval_protocol":"full","ffn":"gelu-4d-dropout","gamma":0,"heads":4,"hidden_size":64,"init":"xavier-clamp","layers":2,"loss":"ce","lr":0.005,"mask_ratio":0.2,"max_length":50,"model":"baseline","negatives":256,"patience":200,"reparameterize":true,"sampled_negatives":99,"seed":"3","split_batches":true,"threads":1,"use_confounder":true,"weight_decay":1e-04})";
const char kStoredBertGroup[] =
    R"({"config":{"alpha":0,"batch_size":256,"batching":"random","beta":0,"ce_kernel":"fused","cloze_last":false,"compression":"l2","dependence":"xcorr","dropout":0.1,"encoder":"bert4rec","epochs":200,"eval_every":5,"eval_protocol":"full","ffn":"gelu-4d-dropout","gamma":0,"heads":4,"hidden_size":64,"init":"xavier-clamp","layers":2,"loss":"ce","lr":0.005,"mask_ratio":0.2,"max_length":50,"model":"baseline","negatives":256,"patience":200,"reparameterize":true,"sampled_negatives":99,"split_batches":true,"use_confounder":true,"weight_decay":1e-04},"dataset":"3c2d5fca58df5176"})";
const char kStoredGru[] =
    R"({"alpha":0,"batch_size":512,"batching":"random","beta":0,"ce_kernel":"fused","checkpoint_path":"","compression":"l2","data_path":"../shared/datasets/amazon/Beauty.txt","dependence":"xcorr","dropout":0.5,"encoder":"gru4rec","epochs":200,"eval_batch_size":2048,"eval_every":5,"eval_protocol":"full","gamma":0,"heads":2,"hidden_size":64,"layers":1,"loss":"ce","lr":5e-04,"mask_ratio":0.2,"max_length":50,"model":"baseline","negatives":256,"patience":200,"reparameterize":true,"sampled_negatives":99,"seed":"2","split_batches":true,"threads":1,"use_confounder":true,"weight_decay":1e-06})";
const char kStoredGruGroup[] =
    R"({"config":{"alpha":0,"batch_size":512,"batching":"random","beta":0,"ce_kernel":"fused","compression":"l2","dependence":"xcorr","dropout":0.5,"encoder":"gru4rec","epochs":200,"eval_every":5,"eval_protocol":"full","gamma":0,"heads":2,"hidden_size":64,"layers":1,"loss":"ce","lr":5e-04,"mask_ratio":0.2,"max_length":50,"model":"baseline","negatives":256,"patience":200,"reparameterize":true,"sampled_negatives":99,"split_batches":true,"use_confounder":true,"weight_decay":1e-06},"dataset":"3c2d5fca58df5176"})";
const char kFingerprint[] = "3c2d5fca58df5176";

QString compact(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

/// A value of the field's type that differs from the default configuration's.
QJsonValue otherValue(const ConfigField& f) {
  const QJsonValue d = f.get(TrainConfig());
  switch (f.type) {
    case ConfigField::Type::Integer: return d.toInt() + 3;
    case ConfigField::Type::Real: return d.toDouble() + 0.125;
    case ConfigField::Type::Boolean: return !d.toBool();
    case ConfigField::Type::Seed: return QStringLiteral("18446744073709551615");  // 2^64 - 1, exact
    case ConfigField::Type::Path: return QStringLiteral("/somewhere/else");
    case ConfigField::Type::Choice:
      for (const QString& c : f.choices)
        if (c != d.toString()) return c;
  }
  return {};
}

}  // namespace

class TestConfigFields : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void storedConfigurationsReadAndWriteAsBefore() {
    for (const auto& [json, group] : {std::pair{kStoredBert, kStoredBertGroup}, std::pair{kStoredGru, kStoredGruGroup}}) {
      const QJsonObject stored = parse(json);
      auto config = TrainConfig::fromJson(stored);
      QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message()));
      QCOMPARE(compact(config.value().toJson()), compact(stored));
      QCOMPARE(irl4rec::train::groupKey(stored, QLatin1String(kFingerprint)), QString::fromLatin1(group));
    }
  }

  void everySettingRoundTripsThroughJson() {
    // Each row, set away from its default, survives toJson -> fromJson and is written.
    for (const ConfigField& f : irl4rec::train::configFields()) {
      TrainConfig c;
      if (f.key == QLatin1String("ce_kernel")) c.loss = irl4rec::train::LossKind::Ce;  // written only for ce
      const QJsonValue v = otherValue(f);
      QVERIFY2(f.set(c, v).isEmpty(), qPrintable(f.key));
      const QJsonObject json = c.toJson();
      QVERIFY2(json.contains(f.key), qPrintable(f.key));
      auto back = TrainConfig::fromJson(json);
      QVERIFY2(back.ok(), qPrintable(f.key));
      QCOMPARE(f.get(back.value()), v);
      QCOMPARE(compact(back.value().toJson()), compact(json));
      QVERIFY(irl4rec::train::isConfigKey(f.key));
    }
    QVERIFY(!irl4rec::train::isConfigKey(QStringLiteral("hidden")));  // a flag, not a key
  }

  void defaultsLeaveOutTheLaterSettings() {
    // Settings added after runs were stored are written only away from their defaults, so old
    // configurations keep their group key; completeConfigJson writes them all.
    const QJsonObject json = TrainConfig().toJson();
    for (const char* key : {"norm", "ffn", "init", "pad_keys", "cloze_last", "batching", "split_batches", "encoder_groups", "refit", "ce_kernel"})
      QVERIFY2(!json.contains(QLatin1String(key)), key);
    const QJsonObject complete = irl4rec::train::completeConfigJson(TrainConfig());
    for (const char* key : {"norm", "ffn", "init", "pad_keys", "cloze_last", "batching", "split_batches", "encoder_groups", "refit"})
      QVERIFY2(complete.contains(QLatin1String(key)), key);
    QVERIFY(!complete.contains(QStringLiteral("ce_kernel")));  // only where the loss is ce
    QCOMPARE(compact(TrainConfig::fromJson(complete).value().toJson()), compact(json));
  }

  void badValuesNameTheKey() {
    auto bad = TrainConfig::fromJson(parse(R"({"layers": 2.5})"));
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().cause.contains(QLatin1String("'layers' must be an integer")));
    bad = TrainConfig::fromJson(parse(R"({"norm": "sideways"})"));
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().cause.contains(QLatin1String("post|pre|kang")));
    bad = TrainConfig::fromJson(parse(R"({"seed": -1})"));
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().cause.contains(QLatin1String("'seed'")));
  }

  void groupKeysIgnoreSeedAndOperationalSettings() {
    QJsonObject a{{QStringLiteral("model"), QStringLiteral("irl4rec")},
                  {QStringLiteral("beta"), 0.1},
                  {QStringLiteral("seed"), 1},
                  {QStringLiteral("threads"), 2},
                  {QStringLiteral("sizes"), QJsonArray{1, 2, 3}},
                  {QStringLiteral("optimizer"), QJsonObject{{QStringLiteral("lr"), 0.001}, {QStringLiteral("seed"), 1}}}};
    const QString k1 = irl4rec::train::groupKey(a);
    QJsonObject b = a;
    b.insert(QStringLiteral("seed"), 2);
    b.insert(QStringLiteral("optimizer"), QJsonObject{{QStringLiteral("lr"), 0.001}, {QStringLiteral("seed"), 9}});
    b.insert(QStringLiteral("threads"), 8);
    b.insert(QStringLiteral("eval_batch_size"), 64);
    b.insert(QStringLiteral("data_path"), QStringLiteral("/elsewhere"));
    b.insert(QStringLiteral("checkpoint_path"), QStringLiteral("/x.pt"));
    b.insert(QStringLiteral("name"), QStringLiteral("whatever"));
    QCOMPARE(irl4rec::train::groupKey(b), k1);
    QVERIFY(!k1.contains(QLatin1String("seed")) && !k1.contains(QLatin1String("threads")));
    b.insert(QStringLiteral("beta"), 0.2);
    QVERIFY(irl4rec::train::groupKey(b) != k1);
    QVERIFY(irl4rec::train::groupKey(a, QStringLiteral("fp1")) != irl4rec::train::groupKey(a, QStringLiteral("fp2")));
    // Exactly the ungrouped rows (and a stored "name") are left out.
    QStringList expected;
    for (const ConfigField& f : irl4rec::train::configFields())
      if (!f.grouped) expected << f.key;
    expected << QStringLiteral("name");
    QCOMPARE(irl4rec::train::groupExcludedKeys(), expected);
    QCOMPARE(expected.size(), 6);  // seed, threads, eval_batch_size, data_path, checkpoint_path, name
  }

  void metricDirection_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("maximize");
    QTest::newRow("ndcg") << "val/ndcg@10" << true;
    QTest::newRow("hr") << "test/HR@5" << true;
    QTest::newRow("mrr") << "val.mrr_20" << true;
    QTest::newRow("hit10") << "hit10" << true;
    QTest::newRow("loss") << "loss/total" << false;
    QTest::newRow("dependence") << "loss/gamma_d" << false;
    QTest::newRow("epoch loss") << "train/epoch_loss" << false;
    QTest::newRow("seconds") << "time/epoch_seconds" << false;
    QTest::newRow("unknown") << "shift_gap" << false;
  }
  void metricDirection() {
    QFETCH(QString, key);
    QFETCH(bool, maximize);
    QCOMPARE(irl4rec::train::metric::direction(key) == irl4rec::store::MetricDirection::Maximize, maximize);
  }

  void cliHelpTextsAreUtf8() {
    // The usage texts hold ±, α, …: written as UTF-8, never re-encoded as Latin-1 ("Â±").
    for (const QStringList& args : {QStringList{QStringLiteral("--help")},
                                    QStringList{QStringLiteral("runs"), QStringLiteral("--help")},
                                    QStringList{QStringLiteral("sweep"), QStringLiteral("--help")},
                                    QStringList{QStringLiteral("recipes"), QStringLiteral("--help")},
                                    QStringList{QStringLiteral("data"), QStringLiteral("--help")}}) {
      QProcess cli;
      cli.start(QStringLiteral(IRL4REC_CLI_PATH), args);
      QVERIFY(cli.waitForFinished(60000));
      const QString help = QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
      QVERIFY2(!help.isEmpty(), qPrintable(args.join(QLatin1Char(' '))));
      QVERIFY2(!help.contains(QChar(0xC2)) && !help.contains(QChar(0xCE)) && !help.contains(QChar(0xFFFD)),
               qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + help.left(200)));
      if (args.first() == QLatin1String("runs")) QVERIFY(help.contains(QStringLiteral("mean ± std")));
    }
  }

  void cliHelpNamesEveryFlagOfTheTable() {
    // The help text is written by hand: every flag and switch of the table must appear in it.
    QProcess cli;
    cli.start(QStringLiteral(IRL4REC_CLI_PATH), {QStringLiteral("train"), QStringLiteral("--help")});
    QVERIFY(cli.waitForFinished(60000));
    const QString help = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY(help.contains(QLatin1String("usage: irl4rec train")));
    int flags = 0;
    for (const ConfigField& f : irl4rec::train::configFields()) {
      for (const QString& flag : {f.flag, f.onSwitch, f.offSwitch}) {
        if (flag.isEmpty()) continue;
        ++flags;
        QVERIFY2(help.contains(flag + QLatin1Char(' ')) || help.contains(flag + QLatin1Char(',')) ||
                     help.contains(flag + QLatin1Char('\n')),
                 qPrintable(flag));
      }
    }
    QCOMPARE(flags, 41);  // every setting but refit (--protocol refit) has a flag or switches
  }

  void cliAppliesTheTablesFlags() {
    // A flag of each type, through the real CLI: bad values are refused naming the flag (exit 2),
    // conflicting switches too.
    auto run = [](const QStringList& args) {
      QProcess cli;
      cli.start(QStringLiteral(IRL4REC_CLI_PATH), QStringList{QStringLiteral("train")} + args);
      cli.waitForFinished(60000);
      return std::pair{cli.exitCode(), QString::fromUtf8(cli.readAllStandardError())};
    };
    auto [code, err] = run({QStringLiteral("--data"), QStringLiteral("x.txt"), QStringLiteral("--hidden"), QStringLiteral("big")});
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(QLatin1String("--hidden must be an integer (got 'big')")), qPrintable(err));
    std::tie(code, err) = run({QStringLiteral("--data"), QStringLiteral("x.txt"), QStringLiteral("--norm"), QStringLiteral("sideways")});
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(QLatin1String("post|pre|kang")), qPrintable(err));
    std::tie(code, err) = run({QStringLiteral("--data"), QStringLiteral("x.txt"), QStringLiteral("--protocol"), QStringLiteral("leaky")});
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(QLatin1String("(or refit)")), qPrintable(err));
    std::tie(code, err) = run({QStringLiteral("--data"), QStringLiteral("x.txt"), QStringLiteral("--cloze-last"), QStringLiteral("--no-cloze-last")});
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(QLatin1String("--cloze-last and --no-cloze-last exclude each other")), qPrintable(err));
    std::tie(code, err) = run({QStringLiteral("--data"), QStringLiteral("x.txt"), QStringLiteral("--dropout"), QStringLiteral("nan")});
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(QLatin1String("dropout must be in [0, 1)")), qPrintable(err));  // validate(), not parsing
  }
};

QTEST_GUILESS_MAIN(TestConfigFields)
#include "test_config_fields.moc"
