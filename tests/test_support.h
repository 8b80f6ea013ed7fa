#pragma once
// Shared by the tests: reading known-answer vectors and decoding hex.

#include "base/hex.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

namespace cmeet::test {

// Reads tests/vectors/<relativePath> as a JSON document; fails the test when missing.
inline QJsonDocument readVectors(const QString &relativePath)
{
    QFile file(QStringLiteral(CMEET_TEST_VECTORS_DIR "/") + relativePath);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open vectors %s", qPrintable(file.fileName()));
    return QJsonDocument::fromJson(file.readAll());
}

inline QByteArray fromHex(const QString &text)
{
    const auto bytes = hex::decode(text);
    if (!bytes)
        qFatal("bad hex in test data: %s", qPrintable(text));
    return *bytes;
}

} // namespace cmeet::test
