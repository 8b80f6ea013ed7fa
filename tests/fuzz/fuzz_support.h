#pragma once
// What the fuzz targets share: a Qt application object (the SQL drivers and resources want one)
// and check(), which stops the run and names the property that failed: libFuzzer (or the
// corpus replay) reports it as a crash and keeps the input.

#include <QByteArray>
#include <QCoreApplication>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace cmeet::fuzz {

inline void ensureApplication()
{
    static int argc = 1;
    static char name[] = "cmeet-fuzz";
    static char *argv[] = {name, nullptr};
    if (QCoreApplication::instance() == nullptr)
        new QCoreApplication(argc, argv); // lives for the whole run
}

inline void check(bool holds, const char *property)
{
    if (holds)
        return;
    std::fprintf(stderr, "fuzz: property broken: %s\n", property);
    std::abort();
}

// The input as bytes without a copy (valid during the call only).
inline QByteArray view(const uint8_t *data, size_t size)
{
    return QByteArray::fromRawData(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
}

} // namespace cmeet::fuzz
