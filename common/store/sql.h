#pragma once
// Running a statement on a Qt SQL connection the way both the relay database and meeting files
// need it: prepared, values bound in order, null strings stored as "" (our text columns are NOT
// NULL and mean "" by them), the driver's error text on failure.

#include "base/expected.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariantList>

namespace cmeet::store {

[[nodiscard]] Expected<QSqlQuery, QString> execute(const QSqlDatabase &database, const QString &statement,
                                                   const QVariantList &values = {});

} // namespace cmeet::store
