// Readers on fixtures, every bad input, writers (round trips), the cache, the CLI and the
// published Amazon statistics.
#include "core/data/literal_parser.h"
#include "core/data/readers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <zlib.h>

using namespace irl4rec;
using namespace irl4rec::data;

namespace {

const QString kFixtures = QStringLiteral(IRL4REC_SOURCE_DIR "/datasets/fixtures");
const QString kAmazon = QStringLiteral(IRL4REC_SHARED_DIR "/datasets/amazon");

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).path());
  QFile f(path);
  QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(path));
  f.write(bytes);
}

QByteArray gzipped(const QByteArray& plain) {
  z_stream s{};
  deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  QByteArray out(int(deflateBound(&s, uLong(plain.size()))) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.constData()));
  s.avail_in = uInt(plain.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = uInt(out.size());
  deflate(&s, Z_FINISH);
  out.resize(int(s.total_out));
  deflateEnd(&s);
  return out;
}

LoadOptions noCache() {
  LoadOptions o;
  o.useCache = false;
  return o;
}

LoadOptions amazonTiny() {
  LoadOptions o = noCache();
  o.kCore = 0;
  o.minRating = 3.0;
  return o;
}

const char* kReview =
    "{\"reviewerID\": \"U1\", \"asin\": \"B1\", \"overall\": 5.0, \"unixReviewTime\": 1}\n"
    "{\"reviewerID\": \"U1\", \"asin\": \"B2\", \"overall\": 4.0, \"unixReviewTime\": 2}\n";

/// A compact canonical rendering of a parsed literal, for comparisons.
QString dump(const detail::LiteralValue& v) {
  using K = detail::LiteralValue::Kind;
  switch (v.kind) {
    case K::Null:
      return QStringLiteral("null");
    case K::Bool:
      return v.boolean ? QStringLiteral("true") : QStringLiteral("false");
    case K::Number:
      return QString::number(v.number);
    case K::String:
      return QLatin1Char('<') + QString::fromUtf8(v.text) + QLatin1Char('>');
    case K::List: {
      QStringList parts;
      for (const auto& item : v.items) parts << dump(item);
      return QLatin1Char('[') + parts.join(QLatin1Char(',')) + QLatin1Char(']');
    }
    case K::Dict: {
      QStringList parts;
      for (const auto& [key, value] : v.members)
        parts << QString::fromUtf8(key) + QLatin1Char(':') + dump(value);
      return QLatin1Char('{') + parts.join(QLatin1Char(',')) + QLatin1Char('}');
    }
  }
  return QString();
}

}  // namespace

class TestDataReaders : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void literals_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("python");
    QTest::addColumn<QString>("expected");  // the dump, or "error: <substring of the cause>"
    QTest::newRow("python dict") << QByteArray(
                                        "{'a': 1, \"b\": [True, False, None], 'c': (1, 2,), }")
                                 << true << QStringLiteral("{a:1,b:[true,false,null],c:[1,2]}");
    QTest::newRow("python escapes") << QByteArray(R"('it\'s \x41 \u00e9 \\ \d')") << true
                                    << QStringLiteral("<it's A \u00e9 \\ \\d>");
    QTest::newRow("python numeric key")
        << QByteArray("{1: 'x', -2: 'y'}") << true << QStringLiteral("{1:<x>,-2:<y>}");
    QTest::newRow("python takes JSON words")
        << QByteArray("[true, null]") << true << QStringLiteral("[true,null]");
    QTest::newRow("json surrogate pair")
        << QByteArray(R"({"k": "\ud83d\ude00"})") << false
        << QStringLiteral("{k:<%1>}").arg(QString::fromUtf8("\xF0\x9F\x98\x80"));
    QTest::newRow("json numbers") << QByteArray("[-1.5e3, 0, 12]") << false
                                  << QStringLiteral("[-1500,0,12]");
    QTest::newRow("json rejects single quotes")
        << QByteArray("{'a': 1}") << false << QStringLiteral("error: expected a quoted key");
    QTest::newRow("json rejects True")
        << QByteArray("[True]") << false << QStringLiteral("error: unexpected character");
    QTest::newRow("json rejects trailing comma")
        << QByteArray("[1, 2,]") << false << QStringLiteral("error: unexpected character");
    QTest::newRow("truncated string")
        << QByteArray("{'a': 'abc") << true << QStringLiteral("error: truncated");
    QTest::newRow("truncated dict")
        << QByteArray("{\"a\": 1") << false << QStringLiteral("error: truncated");
    QTest::newRow("bad escape") << QByteArray(R"(["\q"])") << false
                                << QStringLiteral("error: invalid escape");
    QTest::newRow("bad number") << QByteArray("[1.2.3]") << false
                                << QStringLiteral("error: invalid number");
    QTest::newRow("nested too deeply")
        << QByteArray(100, '[') << false << QStringLiteral("error: nested too deeply");
    QTest::newRow("nothing") << QByteArray("  ") << false
                             << QStringLiteral("error: expected a value");
  }

  void literals() {
    QFETCH(QByteArray, text);
    QFETCH(bool, python);
    QFETCH(QString, expected);
    detail::LiteralValue v;
    int64_t offset = -1;
    QString cause;
    const bool ok = detail::parseLiteral(
        text.constData(), text.constData() + text.size(),
        python ? detail::LiteralSyntax::Python : detail::LiteralSyntax::Json, &v, &offset, &cause);
    if (expected.startsWith(QLatin1String("error: "))) {
      QVERIFY(!ok);
      QVERIFY2(cause.contains(expected.mid(7)), qPrintable(cause));
      QVERIFY(offset >= 0 && offset <= text.size());
    } else {
      QVERIFY2(ok, qPrintable(cause));
      QCOMPARE(dump(v), expected);
    }
  }

  void sequenceTextFixture() {
    auto d = loadDataset(kFixtures + QStringLiteral("/seqtext/tiny.txt"), noCache());
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    const Dataset& ds = d.value();
    QCOMPARE(ds.format, Format::SequenceText);
    QCOMPARE(ds.name, QStringLiteral("tiny"));
    QCOMPARE(ds.numUsers(), 4);
    QCOMPARE(ds.numItems(), 5);
    QCOMPARE(ds.numAttributes(), 4);
    QCOMPARE(ds.sequences[3], (std::vector<int32_t>{4, 2, 1, 3, 5}));
    QCOMPARE(ds.itemAttributes[4], (std::vector<int32_t>{1, 3}));
    QCOMPARE(ds.itemTokens[4], QStringLiteral("4"));
    const DatasetStats s = ds.stats();
    QCOMPARE(s.interactions, 14);
    QCOMPARE(s.usersTrainOnly, 1);  // user 3 has two items
    QCOMPARE(s.minLength, 2);
    QCOMPARE(s.maxLength, 5);
    QCOMPARE(s.medianLength, 3.5);
    QCOMPARE(s.meanLength, 3.5);
    QCOMPARE(s.density, 14.0 / 20.0);
    QCOMPARE(s.itemsWithAttributes, 5);
    QCOMPARE(s.fingerprint.size(), 16);
  }

  void nonNaturalTokensKeepFirstAppearance() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("d.txt")), "7 30 10 20\n8 10 5\n");
    auto d = loadDataset(dir.filePath(QStringLiteral("d.txt")), noCache());
    QVERIFY(d.ok());
    QCOMPARE(d.value().itemTokens, (QStringList{QString(), "30", "10", "20", "5"}));
    QCOMPARE(d.value().sequences[1], (std::vector<int32_t>{2, 4}));
    QCOMPARE(d.value().userTokens, (QStringList{"7", "8"}));
  }

  void naturalTokensMapToThemselves() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("d.txt")), "1 3 1\n2 2 3\n");
    auto d = loadDataset(dir.filePath(QStringLiteral("d.txt")), noCache());
    QVERIFY(d.ok());
    QCOMPARE(d.value().sequences[0], (std::vector<int32_t>{3, 1}));
    QCOMPARE(d.value().itemTokens[2], QStringLiteral("2"));
  }

  void recboleFixture() {
    const QString seq = kFixtures + QStringLiteral("/seqtext/tiny.txt");
    const QString dir = kFixtures + QStringLiteral("/recbole/tiny");
    QCOMPARE(detectFormat(dir).value(), Format::RecBole);
    auto d = loadDataset(dir, noCache());
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    const Dataset& ds = d.value();
    QCOMPARE(ds.format, Format::RecBole);
    QCOMPARE(ds.userTokens, (QStringList{"u1", "u2", "u3", "u4"}));
    QCOMPARE(ds.itemTokens, (QStringList{QString(), "a", "b", "c", "d", "e"}));
    // u4 has d and b at the same time: the sort is stable, file order wins.
    QCOMPARE(ds.sequences[3], (std::vector<int32_t>{4, 2, 1, 3, 5}));
    QCOMPARE(ds.attributeTokens, (QStringList{QString(), "A", "B", "C", "D"}));
    QCOMPARE(ds.warnings.size(), 1);  // item 'zz' of the .item file is not in the interactions
    QVERIFY(ds.warnings[0].contains(QStringLiteral("zz")));
    QCOMPARE(ds.stats().fingerprint, loadDataset(seq, noCache()).value().stats().fingerprint);
    // The .inter file itself works too.
    auto direct = loadDataset(dir + QStringLiteral("/tiny.inter"), noCache());
    QVERIFY(direct.ok());
    QCOMPARE(direct.value().stats().fingerprint, ds.stats().fingerprint);
  }

  void amazonFixture() {
    const QString reviews = kFixtures + QStringLiteral("/amazon/reviews_Tiny_5.json.gz");
    QCOMPARE(detectFormat(reviews).value(), Format::AmazonDump);
    auto d = loadDataset(reviews, amazonTiny());
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    const Dataset& ds = d.value();
    QCOMPARE(ds.format, Format::AmazonDump);
    QCOMPARE(ds.name, QStringLiteral("Tiny"));
    QCOMPARE(ds.userTokens, (QStringList{"U1", "U2", "U3", "U4"}));
    QCOMPARE(ds.itemTokens, (QStringList{QString(), "B001", "B002", "B003", "B004", "B005"}));
    QCOMPARE(ds.sequences[3], (std::vector<int32_t>{4, 2, 1, 3, 5}));
    // brand first, then categories without the root "Root"; an empty brand is no attribute.
    QCOMPARE(ds.attributeTokens, (QStringList{QString(), "A", "B", "C", "D"}));
    QCOMPARE(ds.itemAttributes[5], (std::vector<int32_t>{4}));
    const QString seq = kFixtures + QStringLiteral("/seqtext/tiny.txt");
    QCOMPARE(ds.stats().fingerprint, loadDataset(seq, noCache()).value().stats().fingerprint);
  }

  void amazonOptions() {
    const QString reviews = kFixtures + QStringLiteral("/amazon/reviews_Tiny_5.json.gz");
    LoadOptions all = amazonTiny();
    all.minRating = 0;  // keeps U3's one-star review of B009 (no metadata for it)
    auto d = loadDataset(reviews, all);
    QVERIFY(d.ok());
    QCOMPARE(d.value().stats().interactions, 15);
    QCOMPARE(d.value().numItems(), 6);
    QVERIFY(d.value().itemAttributes[6].empty());
    LoadOptions keepRoot = amazonTiny();
    keepRoot.dropRootCategory = false;
    QCOMPARE(loadDataset(reviews, keepRoot).value().numAttributes(), 5);
    // 2-core removes nothing here; 3-core peels everything away (hand-checked cascade).
    LoadOptions two = amazonTiny();
    two.kCore = 2;
    QCOMPARE(loadDataset(reviews, two).value().stats().interactions, 14);
    LoadOptions three = amazonTiny();
    three.kCore = 3;
    auto none = loadDataset(reviews, three);
    QVERIFY(!none.ok());
    QVERIFY(none.error().cause.contains(QStringLiteral("no interactions left")));
  }

  void amazonPlainAndNoMetadata() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("reviews_X.json")), kReview);
    LoadOptions o = noCache();
    o.kCore = 0;
    auto d = loadDataset(dir.filePath(QStringLiteral("reviews_X.json")), o);
    QVERIFY(d.ok());
    QCOMPARE(d.value().stats().interactions, 2);
    QVERIFY(!d.value().hasAttributes());
    QCOMPARE(d.value().warnings.size(), 1);
  }

  void amazonMetadataVariants() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("reviews_X.json")), kReview);
    // Line 1: an item outside the reviews (skipped unparsed, even though it is malformed);
    // line 2: a 2018-style flat "category" list with the asin not first; line 3: 2014 style.
    writeFile(
        dir.filePath(QStringLiteral("meta_X.json")),
        "{'asin': 'B9', 'categories': [[oops\n"
        "{\"category\": [\"X\", \"Tools\", \"Saws\"], \"asin\": \"B1\", \"brand\": \"Acme\"}\n"
        "{'asin': 'B2', 'categories': [['X', 'Tools']], 'brand': 'Acme'}\n");
    LoadOptions o = noCache();
    o.kCore = 0;
    auto d = loadDataset(dir.filePath(QStringLiteral("reviews_X.json")), o);
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    QCOMPARE(d.value().attributeTokens, (QStringList{QString(), "Acme", "Tools", "Saws"}));
    QCOMPARE(d.value().itemAttributes[2], (std::vector<int32_t>{1, 2}));
  }

  void unknownAttributeItemsAreIgnoredWithAWarning() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("d.txt")), "1 1 2\n");
    writeFile(dir.filePath(QStringLiteral("d_item2attributes.json")),
              R"({"1": [5], "2": [6], "99": [7]})");
    auto d = loadDataset(dir.filePath(QStringLiteral("d.txt")), noCache());
    QVERIFY(d.ok());
    QCOMPARE(d.value().numAttributes(), 2);  // 7 belonged only to the unknown item
    QCOMPARE(d.value().warnings.size(), 1);
    QVERIFY(d.value().warnings[0].contains(QStringLiteral("'99'")));
  }

  void byteOrderMarkAndCrLf() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("r.inter")),
              "\xEF\xBB\xBFuser_id:token\titem_id:token\r\nu\ti\r\nu\tj\r\n");
    auto d = loadDataset(dir.filePath(QStringLiteral("r.inter")), noCache());
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    QCOMPARE(d.value().itemTokens, (QStringList{QString(), "i", "j"}));
  }

  void attributeJsonFastAndGeneralPathsAgree() {
    // Plain numbers take a fast path; anything else (here an id written as a string, spaces and
    // newlines) the general parser. Both must give the same dataset.
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("a.txt")), "1 10 20 30\n2 20 40\n");
    writeFile(dir.filePath(QStringLiteral("a_item2attributes.json")),
              R"({"10": [3, 1, 3], "20": [], "30": [7], "40": [1, 2], "99": [5]})");
    writeFile(dir.filePath(QStringLiteral("b.txt")), "1 10 20 30\n2 20 40\n");
    writeFile(
        dir.filePath(QStringLiteral("b_item2attributes.json")),
        "{ \"10\" : [3, \"1\", 3],\n \"20\": [ ],\n \"30\": [7], \"40\": [1, 2], \"99\": [5] }\n");
    auto a = loadDataset(dir.filePath(QStringLiteral("a.txt")), noCache());
    auto b = loadDataset(dir.filePath(QStringLiteral("b.txt")), noCache());
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a.value().attributeTokens, (QStringList{QString(), "3", "1", "7", "2"}));
    QCOMPARE(a.value().itemAttributes[1], (std::vector<int32_t>{1, 2}));
    QCOMPARE(b.value().attributeTokens, a.value().attributeTokens);
    QCOMPARE(b.value().itemAttributes, a.value().itemAttributes);
    QCOMPARE(b.value().warnings.size(), 1);
    QCOMPARE(a.value().stats().fingerprint, b.value().stats().fingerprint);
  }

  void oneItemUserIsTrainOnly() {
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("d.txt")), "1 1 2 3\n2 4\n");
    auto d = loadDataset(dir.filePath(QStringLiteral("d.txt")), noCache());
    QVERIFY(d.ok());
    QCOMPARE(d.value().stats().usersTrainOnly, 1);
  }

  void badInput_data() {
    QTest::addColumn<QString>("file");        // the path handed to loadDataset
    QTest::addColumn<QByteArray>("content");  // written to `file` unless empty
    QTest::addColumn<QString>("sidecar");     // optional second file
    QTest::addColumn<QByteArray>("sidecarContent");
    QTest::addColumn<QString>("errorFile");  // the file the error must name
    QTest::addColumn<qint64>("line");
    QTest::addColumn<QString>("cause");  // a substring of the cause
    const QString seq = QStringLiteral("d.txt");
    const QString attrs = QStringLiteral("d_item2attributes.json");
    const QString inter = QStringLiteral("r.inter");
    const QString item = QStringLiteral("r.item");
    const QString rev = QStringLiteral("reviews_X.json");
    const QString meta = QStringLiteral("meta_X.json");
    const QByteArray okSeq = "1 1 2\n2 2 3\n";
    const QByteArray okInter = "user_id:token\titem_id:token\ttimestamp:float\nu\ti\t1\n";
    auto row = [](const char* name) -> QTestData& { return QTest::newRow(name); };

    row("seq: empty file") << seq << QByteArray("") << QString() << QByteArray() << seq << qint64(0)
                           << "empty";
    row("seq: only blank lines") << seq << QByteArray("\n  \n\n") << QString() << QByteArray()
                                 << seq << qint64(0) << "empty";
    row("seq: non-numeric user") << seq << QByteArray("1 1 2\nabc 4 5\n") << QString()
                                 << QByteArray() << seq << qint64(2) << "non-numeric user id 'abc'";
    row("seq: non-numeric item") << seq << QByteArray("1 1 2\n2 3 x4\n") << QString()
                                 << QByteArray() << seq << qint64(2) << "non-numeric item id 'x4'";
    row("seq: negative item") << seq << QByteArray("1 -1 2\n") << QString() << QByteArray() << seq
                              << qint64(1) << "non-numeric item id '-1'";
    row("seq: missing item columns") << seq << QByteArray("1 1 2\n2\n") << QString() << QByteArray()
                                     << seq << qint64(2) << "has no items";
    row("seq: duplicate user") << seq << QByteArray("1 1 2\n2 2 3\n1 3 4\n") << QString()
                               << QByteArray() << seq << qint64(3)
                               << "duplicate user '1' (first on line 1)";
    row("seq: item id beyond 2^31") << seq << QByteArray("1 1 2147483648\n") << QString()
                                    << QByteArray() << seq << qint64(1) << "beyond 2^31";
    row("seq: user id beyond 2^31")
        << seq << QByteArray("1 1\n99999999999999999999999 1 2\n") << QString() << QByteArray()
        << seq << qint64(2) << "beyond 2^31";
    row("seq: non-UTF-8 byte") << seq << QByteArray("1 1 2\n2 2 \xff\n") << QString()
                               << QByteArray() << seq << qint64(2) << "invalid UTF-8";
    row("seq: overlong UTF-8") << seq << QByteArray("1 1 2\n\xc0\xaf 2\n") << QString()
                               << QByteArray() << seq << qint64(2) << "invalid UTF-8";
    row("seq: missing file") << QStringLiteral("nope.txt") << QByteArray() << QString()
                             << QByteArray() << QStringLiteral("nope.txt") << qint64(0)
                             << "no such file";
    row("seq: directory") << QStringLiteral("folder") << QByteArray() << QStringLiteral("folder/x")
                          << QByteArray("1 1\n") << QStringLiteral("folder") << qint64(0)
                          << "is a directory";
    row("json: truncated") << seq << okSeq << attrs << QByteArray("{\"1\": [1, 2],\n \"2\": [3")
                           << attrs << qint64(2) << "truncated";
    row("json: invalid") << seq << okSeq << attrs << QByteArray("{\"1\": [1, 2],\n\"2\": [3,, 4]}")
                         << attrs << qint64(2) << "invalid JSON";
    row("json: empty") << seq << okSeq << attrs << QByteArray("") << attrs << qint64(0) << "empty";
    row("json: not an object") << seq << okSeq << attrs << QByteArray("[1, 2]") << attrs
                               << qint64(1) << "expected a JSON object";
    row("json: value not a list") << seq << okSeq << attrs << QByteArray("{\"1\": [1],\n\"2\": 3}")
                                  << attrs << qint64(2) << "expected a list";
    row("json: non-numeric attribute")
        << seq << okSeq << attrs << QByteArray("{\"1\": [1],\n\"2\": [\"red\"]}") << attrs
        << qint64(2) << "non-numeric attribute id 'red'";
    row("json: non-numeric item key")
        << seq << okSeq << attrs << QByteArray("{\"1\": [1],\n\"x\": [2]}") << attrs << qint64(2)
        << "non-numeric item id 'x'";
    row("json: attribute beyond 2^31")
        << seq << okSeq << attrs << QByteArray("{\"1\": [4294967296]}") << attrs << qint64(1)
        << "beyond 2^31";
    row("json: duplicate item") << seq << okSeq << attrs << QByteArray("{\"1\": [1],\n\"1\": [2]}")
                                << attrs << qint64(2) << "duplicate item '1'";
    row("json: trailing garbage") << seq << okSeq << attrs << QByteArray("{\"1\": [1]}\n}") << attrs
                                  << qint64(2) << "unexpected text";
    row("json: non-UTF-8") << seq << okSeq << attrs
                           << QByteArray("{\"1\": [1],\n\"2\": [\"\xe9\"]}") << attrs << qint64(2)
                           << "invalid UTF-8";
    row("recbole: empty") << inter << QByteArray("") << QString() << QByteArray() << inter
                          << qint64(0) << "empty";
    row("recbole: header only") << inter << QByteArray("user_id:token\titem_id:token\n")
                                << QString() << QByteArray() << inter << qint64(0)
                                << "no interactions";
    row("recbole: no item_id") << inter << QByteArray("user_id:token\titem:token\nu\ti\n")
                               << QString() << QByteArray() << inter << qint64(1) << "no item_id";
    row("recbole: no user_id") << inter << QByteArray("uid:token\titem_id:token\nu\ti\n")
                               << QString() << QByteArray() << inter << qint64(1) << "no user_id";
    row("recbole: field without type")
        << inter << QByteArray("user_id\titem_id:token\nu\ti\n") << QString() << QByteArray()
        << inter << qint64(1) << "name:type";
    row("recbole: unknown type") << inter << QByteArray("user_id:token\titem_id:int\nu\ti\n")
                                 << QString() << QByteArray() << inter << qint64(1)
                                 << "unknown type";
    row("recbole: missing column")
        << inter << QByteArray("user_id:token\titem_id:token\ttimestamp:float\nu\ti\t1\nu\tj\n")
        << QString() << QByteArray() << inter << qint64(3) << "missing column";
    row("recbole: extra column")
        << inter << QByteArray("user_id:token\titem_id:token\ttimestamp:float\nu\ti\t1\t7\n")
        << QString() << QByteArray() << inter << qint64(2) << "extra column";
    row("recbole: non-numeric timestamp")
        << inter
        << QByteArray("user_id:token\titem_id:token\ttimestamp:float\nu\ti\t1\nu\tj\tnoon\n")
        << QString() << QByteArray() << inter << qint64(3) << "non-numeric value 'noon'";
    row("recbole: empty item_id") << inter << QByteArray("user_id:token\titem_id:token\nu\t\n")
                                  << QString() << QByteArray() << inter << qint64(2)
                                  << "empty item_id";
    row("recbole: non-UTF-8") << inter << QByteArray("user_id:token\titem_id:token\nu\t\xfe\n")
                              << QString() << QByteArray() << inter << qint64(2) << "invalid UTF-8";
    row("recbole: .item without item_id")
        << inter << okInter << item << QByteArray("id:token\tcat:token_seq\ni\tA\n") << item
        << qint64(1) << "no item_id";
    row("recbole: .item duplicate")
        << inter << okInter << item << QByteArray("item_id:token\tcat:token_seq\ni\tA\ni\tB\n")
        << item << qint64(3) << "duplicate item 'i' (first on line 2)";
    row("recbole: .item extra column")
        << inter << okInter << item << QByteArray("item_id:token\tcat:token_seq\ni\tA\tB\n") << item
        << qint64(2) << "extra column";
    row("amazon: invalid JSON line")
        << rev
        << QByteArray(kReview).append(
               "{\"reviewerID\": \"U2\", \"asin\": \"B1\", \"overall\": 5.0,\n")
        << QString() << QByteArray() << rev << qint64(3) << "invalid record";
    row("amazon: missing asin")
        << rev
        << QByteArray(kReview).append(
               "{\"reviewerID\": \"U2\", \"overall\": 5.0, \"unixReviewTime\": 3}\n")
        << QString() << QByteArray() << rev << qint64(3) << "missing field 'asin'";
    row("amazon: non-numeric rating")
        << rev
        << QByteArray(
               "{\"reviewerID\": \"U2\", \"asin\": \"B1\", \"overall\": \"five\", "
               "\"unixReviewTime\": 3}\n")
        << QString() << QByteArray() << rev << qint64(1) << "'overall' is not numeric";
    row("amazon: not an object") << rev << QByteArray("[1, 2]\n") << QString() << QByteArray()
                                 << rev << qint64(1) << "one object per line";
    row("amazon: non-UTF-8") << rev << QByteArray(kReview).append("{\"reviewerID\": \"\x80\"}\n")
                             << QString() << QByteArray() << rev << qint64(3) << "invalid UTF-8";
    QByteArray many;
    for (int i = 0; i < 3000; ++i) {
      many += QStringLiteral(
                  "{\"reviewerID\": \"U%1\", \"asin\": \"B%2\", \"overall\": 5.0, "
                  "\"unixReviewTime\": %3}\n")
                  .arg(i * 7919 % 10007)
                  .arg(i * 104729 % 1009)
                  .arg(i * 31337)
                  .toUtf8();
    }
    const QByteArray manyGz = gzipped(many);
    row("amazon: gzip ends early")
        << QStringLiteral("reviews_X.json.gz") << manyGz.left(manyGz.size() / 2) << QString()
        << QByteArray() << QStringLiteral("reviews_X.json.gz") << qint64(-1)
        << "gzip stream ends early";
    row("amazon: corrupt gzip") << QStringLiteral("reviews_X.json.gz")
                                << QByteArray("\x1f\x8b\x08\x00garbagegarbage", 18) << QString()
                                << QByteArray() << QStringLiteral("reviews_X.json.gz") << qint64(1)
                                << "corrupt gzip";
    row("amazon: empty gzip") << QStringLiteral("reviews_X.json.gz") << gzipped(QByteArray())
                              << QString() << QByteArray() << QStringLiteral("reviews_X.json.gz")
                              << qint64(0) << "empty";
    row("amazon: metadata not a literal")
        << rev << QByteArray(kReview) << meta
        << QByteArray("{'asin': 'B1', 'brand': 'A'}\n{'asin': 'B2', 'brand': 'A\n") << meta
        << qint64(2) << "invalid record";
    row("amazon: metadata bad categories") << rev << QByteArray(kReview) << meta
                                           << QByteArray("{'asin': 'B1', 'categories': 'Beauty'}\n")
                                           << meta << qint64(1) << "'categories' must be a list";
    row("amazon: metadata duplicate asin")
        << rev << QByteArray(kReview) << meta
        << QByteArray("{'asin': 'B1'}\n{'asin': 'B2'}\n{'asin': 'B1'}\n") << meta << qint64(3)
        << "duplicate asin 'B1'";
  }

  void badInput() {
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, sidecar);
    QFETCH(QByteArray, sidecarContent);
    QFETCH(QString, errorFile);
    QFETCH(qint64, line);
    QFETCH(QString, cause);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(file);
    if (!content.isEmpty() || (sidecar.isEmpty() && !file.startsWith(QLatin1String("nope")) &&
                               !file.startsWith(QLatin1String("folder")))) {
      writeFile(path, content);
    }
    if (!sidecar.isEmpty()) writeFile(dir.filePath(sidecar), sidecarContent);
    LoadOptions options = noCache();
    options.kCore = 0;
    auto d = loadDataset(path, options);
    QVERIFY2(!d.ok(), "bad input was accepted");
    const Error& e = d.error();
    QCOMPARE(e.file, dir.filePath(errorFile));
    if (line >= 0)
      QCOMPARE(e.line, line);
    else
      QVERIFY(e.line >= 1);
    QVERIFY2(e.cause.contains(cause), qPrintable(e.message()));
    QVERIFY(!e.message().contains(QLatin1Char('\n')));
  }

  void roundTrip_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("to");
    QTest::newRow("seqtext -> seqtext")
        << QStringLiteral("seqtext/tiny.txt") << QStringLiteral("seqtext");
    QTest::newRow("seqtext -> recbole")
        << QStringLiteral("seqtext/tiny.txt") << QStringLiteral("recbole");
    QTest::newRow("recbole -> seqtext")
        << QStringLiteral("recbole/tiny") << QStringLiteral("seqtext");
    QTest::newRow("recbole -> recbole")
        << QStringLiteral("recbole/tiny") << QStringLiteral("recbole");
    QTest::newRow("amazon -> seqtext")
        << QStringLiteral("amazon/reviews_Tiny_5.json.gz") << QStringLiteral("seqtext");
    QTest::newRow("amazon -> recbole")
        << QStringLiteral("amazon/reviews_Tiny_5.json.gz") << QStringLiteral("recbole");
    QTest::newRow("synthetic -> seqtext")
        << QStringLiteral("../synthetic/shifted.txt") << QStringLiteral("seqtext");
  }

  void roundTrip() {
    QFETCH(QString, input);
    QFETCH(QString, to);
    auto original = loadDataset(kFixtures + QLatin1Char('/') + input, amazonTiny());
    QVERIFY2(original.ok(), qPrintable(original.ok() ? QString() : original.error().message()));
    QTemporaryDir dir;
    const QString out = dir.filePath(to == QLatin1String("seqtext") ? QStringLiteral("out.txt")
                                                                    : QStringLiteral("out"));
    const Status written = to == QLatin1String("seqtext") ? writeSequenceText(original.value(), out)
                                                          : writeRecBole(original.value(), out);
    QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().message()));
    auto back = loadDataset(out, noCache());
    QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error().message()));
    const DatasetStats a = original.value().stats();
    const DatasetStats b = back.value().stats();
    QCOMPARE(b.fingerprint, a.fingerprint);
    QCOMPARE(b.users, a.users);
    QCOMPARE(b.attributes, a.attributes);
    QCOMPARE(back.value().itemCluster, original.value().itemCluster);
  }

  void writersRefuseInconsistentDatasets() {
    QTemporaryDir dir;
    Dataset d;
    d.sequences = {{1, 2}, {3}};
    d.itemTokens = QStringList{QString(), "1", "2"};
    QVERIFY(!writeSequenceText(d, dir.filePath(QStringLiteral("x.txt"))).ok());
    QVERIFY(!writeRecBole(d, dir.filePath(QStringLiteral("x"))).ok());
    d.itemTokens.append(QStringLiteral("3"));
    QVERIFY(writeSequenceText(d, dir.filePath(QStringLiteral("x.txt"))).ok());
    QVERIFY(!writeSequenceText(Dataset{}, dir.filePath(QStringLiteral("y.txt"))).ok());
  }

  void cacheIsUsedAndInvalidated() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.txt"));
    writeFile(path, "1 1 2 3\n2 2 3\n");
    writeFile(dir.filePath(QStringLiteral("c_item2attributes.json")), R"({"1": [1], "2": [2]})");
    LoadOptions o;
    o.cacheMinBytes = 0;
    auto first = loadDataset(path, o);
    QVERIFY(first.ok());
    QVERIFY(!first.value().loadedFromCache);
    auto second = loadDataset(path, o);
    QVERIFY(second.ok());
    QVERIFY(second.value().loadedFromCache);
    QCOMPARE(second.value().stats().fingerprint, first.value().stats().fingerprint);
    QCOMPARE(second.value().itemTokens, first.value().itemTokens);
    QCOMPARE(second.value().userTokens, first.value().userTokens);
    QCOMPARE(second.value().attributeTokens, first.value().attributeTokens);
    QCOMPARE(second.value().format, first.value().format);
    // Same size, different content and mtime: the cache must not answer.
    QTest::qWait(20);
    writeFile(path, "1 1 2 4\n2 2 3\n");
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadWrite));
      QVERIFY(f.setFileTime(QDateTime::currentDateTime().addSecs(5),
                            QFileDevice::FileModificationTime));
    }
    auto third = loadDataset(path, o);
    QVERIFY(third.ok());
    QVERIFY(!third.value().loadedFromCache);
    QCOMPARE(third.value().numItems(), 4);
    // A changed sidecar invalidates too.
    auto fourth = loadDataset(path, o);
    QVERIFY(fourth.value().loadedFromCache);
    writeFile(dir.filePath(QStringLiteral("c_item2attributes.json")),
              R"({"1": [1], "2": [2], "3": [3]})");
    auto fifth = loadDataset(path, o);
    QVERIFY(!fifth.value().loadedFromCache);
    QCOMPARE(fifth.value().numAttributes(), 3);
    // A damaged cache entry is ignored and rewritten.
    const QDir cacheDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                        QStringLiteral("/datasets"));
    const QStringList entries = cacheDir.entryList({QStringLiteral("*.bin")}, QDir::Files);
    QVERIFY(!entries.isEmpty());
    for (const QString& entry : entries) {
      QFile f(cacheDir.filePath(entry));
      QVERIFY(f.open(QIODevice::ReadWrite));
      QVERIFY(f.resize(f.size() / 2));
    }
    auto sixth = loadDataset(path, o);
    QVERIFY(sixth.ok());
    QVERIFY(!sixth.value().loadedFromCache);
    QCOMPARE(sixth.value().stats().fingerprint, fifth.value().stats().fingerprint);
    QVERIFY(loadDataset(path, o).value().loadedFromCache);
    // Bad input is never cached into success.
    writeFile(path, "1 x\n");
    QVERIFY(!loadDataset(path, o).ok());
  }

  void progressAndCancel() {
    QTemporaryDir dir;
    QByteArray big;
    for (int u = 1; u <= 60000; ++u)
      big += QByteArray::number(u) + " 1 2 3 4 5 6 7 8 9 10 11 12 13\n";
    QVERIFY(big.size() > 2 * (1 << 20));
    const QString path = dir.filePath(QStringLiteral("big.txt"));
    writeFile(path, big);
    LoadOptions o = noCache();
    qint64 calls = 0, lastDone = 0;
    o.progress = [&](qint64 done, qint64 total) {
      ++calls;
      if (done < lastDone || total != big.size()) return false;
      lastDone = done;
      return true;
    };
    auto d = loadDataset(path, o);
    QVERIFY(d.ok());
    QVERIFY(calls >= 2);
    o.progress = [](qint64, qint64) { return false; };
    auto cancelled = loadDataset(path, o);
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.error().cause, QStringLiteral("cancelled"));
  }

  void cliBadInputIsOneLineAndExitCode2() {
    const QString cli = QStringLiteral(IRL4REC_CLI_PATH);
    QVERIFY2(QFileInfo::exists(cli), "the irl4rec CLI is not built (build the irl4rec target)");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.txt"));
    writeFile(path, "1 1 2\n2 two\n");
    QProcess p;
    p.start(cli, {QStringLiteral("data"), QStringLiteral("stats"), path});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError();
    QCOMPARE(err.count('\n'), 1);
    QVERIFY2(err.startsWith(
                 QStringLiteral("irl4rec: %1:2: non-numeric item id 'two'").arg(path).toUtf8()),
             err.constData());
    QVERIFY(p.readAllStandardOutput().isEmpty());
  }

  void cliStatsJsonAndConvert() {
    const QString cli = QStringLiteral(IRL4REC_CLI_PATH);
    QVERIFY2(QFileInfo::exists(cli), "the irl4rec CLI is not built (build the irl4rec target)");
    const QString in = kFixtures + QStringLiteral("/recbole/tiny");
    QProcess p;
    p.start(cli, {QStringLiteral("data"), QStringLiteral("stats"), in, QStringLiteral("--json")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    for (const char* key :
         {"users", "items", "interactions", "attributes", "mean_length", "median_length",
          "max_length", "density", "users_train_only", "fingerprint", "format", "path"}) {
      QVERIFY2(o.contains(QLatin1String(key)), key);
    }
    QCOMPARE(o.value(QStringLiteral("users")).toInt(), 4);
    QCOMPARE(o.value(QStringLiteral("format")).toString(), QStringLiteral("recbole"));
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("tiny.txt"));
    p.start(cli, {QStringLiteral("data"), QStringLiteral("convert"), in, out,
                  QStringLiteral("--to"), QStringLiteral("seqtext")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(loadDataset(out, noCache()).value().stats().fingerprint,
             o.value(QStringLiteral("fingerprint")).toString());
  }

  void amazonPublishedStatistics_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("users");
    QTest::addColumn<qint64>("items");
    QTest::addColumn<qint64>("interactions");
    QTest::addColumn<qint64>("attributes");
    QTest::addColumn<double>("meanLength");
    QTest::newRow("Beauty") << QStringLiteral("Beauty.txt") << qint64(22363) << qint64(12101)
                            << qint64(198502) << qint64(637) << 8.88;
    QTest::newRow("Sports") << QStringLiteral("Sports_and_Outdoors.txt") << qint64(35598)
                            << qint64(18357) << qint64(296337) << qint64(2277) << 8.32;
  }

  void amazonPublishedStatistics() {
    QFETCH(QString, file);
    const QString path = kAmazon + QLatin1Char('/') + file;
    if (!QFileInfo::exists(path)) QSKIP(qPrintable(QStringLiteral("%1 is absent").arg(path)));
    QFETCH(qint64, users);
    QFETCH(qint64, items);
    QFETCH(qint64, interactions);
    QFETCH(qint64, attributes);
    QFETCH(double, meanLength);
    auto d = loadDataset(path, noCache());
    QVERIFY2(d.ok(), qPrintable(d.ok() ? QString() : d.error().message()));
    const DatasetStats s = d.value().stats();
    QCOMPARE(s.users, users);
    QCOMPARE(s.items, items);
    QCOMPARE(s.interactions, interactions);
    QCOMPARE(s.attributes, attributes);
    QCOMPARE(qRound(s.meanLength * 100), qRound(meanLength * 100));
    QCOMPARE(s.medianLength, 6.0);
    QCOMPARE(s.usersTrainOnly, 0);
    QCOMPARE(s.itemsWithAttributes, items);
    // Natural id mapping: token "k" is item k.
    for (int32_t i = 1; i <= d.value().numItems(); ++i)
      QCOMPARE(d.value().itemTokens[i].toInt(), i);
    QVERIFY(d.value().warnings.isEmpty());
    // Through the cache the same dataset comes back.
    LoadOptions cached;
    auto warm = loadDataset(path, cached);
    auto hot = loadDataset(path, cached);
    QVERIFY(hot.ok() && warm.ok());
    QVERIFY(hot.value().loadedFromCache);
    QCOMPARE(hot.value().stats().fingerprint, s.fingerprint);
  }
};

QTEST_GUILESS_MAIN(TestDataReaders)
#include "test_data_readers.moc"
