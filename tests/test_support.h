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

// The same signature with s replaced by n - s and the recovery id flipped: still a valid ECDSA
// signature, so exactly what a malleability attack would send. Takes and returns r || s || v.
inline QByteArray highSTwin(const QByteArray &signature)
{
    const QByteArray order = fromHex(QStringLiteral("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
    QByteArray s(32, '\0');
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        const int difference = static_cast<unsigned char>(order[i]) - static_cast<unsigned char>(signature[32 + i]) - borrow;
        borrow = difference < 0 ? 1 : 0;
        s[i] = static_cast<char>(difference + 256 * borrow);
    }
    return signature.left(32) + s + QByteArray(1, static_cast<char>(signature[64] == 27 ? 28 : 27));
}

} // namespace cmeet::test
