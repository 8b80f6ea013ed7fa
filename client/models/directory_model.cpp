#include "client/models/directory_model.h"

#include "client/models/labels.h"

namespace cmeet::client {

DirectoryModel::DirectoryModel(Kind kind, QObject *parent) : QAbstractTableModel(parent), m_kind(kind) {}

QString DirectoryModel::keyField() const
{
    return m_kind == Kind::Staff ? QStringLiteral("address") : QStringLiteral("id");
}

QStringList DirectoryModel::columnFields() const
{
    if (m_kind == Kind::Staff)
        return {QStringLiteral("name"), QStringLiteral("role"), QStringLiteral("address")};
    return {QStringLiteral("name"), QStringLiteral("id"), QStringLiteral("hospitalNumber"), QStringLiteral("birthDate")};
}

void DirectoryModel::setEntries(const QJsonArray &entries)
{
    beginResetModel();
    m_entries.clear();
    m_rowOf.clear();
    for (const QJsonValue &value : entries) {
        const QJsonObject entry = value.toObject();
        const QString key = entry.value(keyField()).toString();
        if (key.isEmpty() || m_rowOf.contains(key))
            continue; // not something the directory can name
        m_rowOf.insert(key, static_cast<int>(m_entries.size()));
        m_entries.append(entry);
    }
    endResetModel();
}

QString DirectoryModel::nameOf(const QString &key) const
{
    const QString name = entry(key).value(QStringLiteral("name")).toString();
    if (!name.isEmpty())
        return name;
    return m_kind == Kind::Staff ? shortAddress(key) : key;
}

QJsonObject DirectoryModel::entry(const QString &key) const
{
    const auto row = m_rowOf.constFind(key);
    return row == m_rowOf.constEnd() ? QJsonObject() : m_entries.at(*row);
}

void DirectoryModel::setCheckable(bool checkable)
{
    if (m_checkable == checkable)
        return;
    beginResetModel(); // the flags of every row change
    m_checkable = checkable;
    endResetModel();
}

QStringList DirectoryModel::checkedKeys() const
{
    QStringList inOrder;
    for (const QJsonObject &entry : m_entries) {
        const QString key = entry.value(keyField()).toString();
        if (m_checked.contains(key))
            inOrder.append(key);
    }
    for (const QString &key : m_checked)
        if (!m_rowOf.contains(key))
            inOrder.append(key);
    return inOrder;
}

void DirectoryModel::setCheckedKeys(const QStringList &keys)
{
    m_checked = keys;
    m_checked.removeDuplicates();
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, 0), {Qt::CheckStateRole});
    Q_EMIT checkedChanged();
}

int DirectoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int DirectoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(columnFields().size());
}

QVariant DirectoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &entry = m_entries.at(index.row());
    const QString key = entry.value(keyField()).toString();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: {
        const QString field = columnFields().at(index.column());
        const QString text = entry.value(field).toString();
        if (field == QStringLiteral("role"))
            return text == QStringLiteral("admin") ? tr("Administrator") : tr("Staff");
        return text;
    }
    case Qt::CheckStateRole:
        if (m_checkable && index.column() == 0)
            return m_checked.contains(key) ? Qt::Checked : Qt::Unchecked;
        return {};
    case KeyRole:
        return key;
    default:
        return {};
    }
}

bool DirectoryModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!m_checkable || role != Qt::CheckStateRole || index.column() != 0
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const QString key = m_entries.at(index.row()).value(keyField()).toString();
    const bool checked = value.value<Qt::CheckState>() == Qt::Checked;
    if (checked == m_checked.contains(key))
        return true;
    if (checked)
        m_checked.append(key);
    else
        m_checked.removeAll(key);
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
    Q_EMIT checkedChanged();
    return true;
}

Qt::ItemFlags DirectoryModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (m_checkable && index.isValid() && index.column() == 0)
        flags |= Qt::ItemIsUserCheckable;
    return flags;
}

QVariant DirectoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return {};
    const QString field = columnFields().at(section);
    if (field == QStringLiteral("name"))
        return tr("Name");
    if (field == QStringLiteral("role"))
        return tr("Role");
    if (field == QStringLiteral("address"))
        return tr("Address");
    if (field == QStringLiteral("id"))
        return tr("Patient ID");
    if (field == QStringLiteral("hospitalNumber"))
        return tr("Hospital number");
    return tr("Date of birth");
}

} // namespace cmeet::client
