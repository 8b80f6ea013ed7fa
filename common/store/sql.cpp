#include "store/sql.h"

#include <QSqlError>
#include <QVariant>

namespace cmeet::store {

Expected<QSqlQuery, QString> execute(const QSqlDatabase &database, const QString &statement, const QVariantList &values)
{
    QSqlQuery query(database);
    query.setForwardOnly(true);
    if (!query.prepare(statement))
        return unexpected(query.lastError().text());
    for (const QVariant &value : values) {
        if (value.typeId() == QMetaType::QString && value.toString().isNull())
            query.addBindValue(QStringLiteral(""));
        else
            query.addBindValue(value);
    }
    if (!query.exec())
        return unexpected(query.lastError().text());
    return query;
}

} // namespace cmeet::store
