#pragma once
// The relay's staff or patient directory (staff.list, patients.list) as a table: names for the
// timeline and participants, and the searchable, checkable lists the meeting editor picks the
// roster and the agenda from.

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSet>

namespace cmeet::client {

class DirectoryModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum class Kind { Staff, Patients };
    enum Role { KeyRole = Qt::UserRole + 1 }; // the address or patient id

    explicit DirectoryModel(Kind kind, QObject *parent = nullptr);

    // Replaces the directory with the relay's list; checked keys stay checked.
    void setEntries(const QJsonArray &entries);
    [[nodiscard]] Kind kind() const { return m_kind; }

    // The person's or patient's name; for someone not in the directory, the key in short form.
    [[nodiscard]] QString nameOf(const QString &key) const;
    [[nodiscard]] bool contains(const QString &key) const { return m_rowOf.contains(key); }
    [[nodiscard]] QJsonObject entry(const QString &key) const;

    // Check boxes in the first column (for picking a roster or an agenda).
    void setCheckable(bool checkable);
    // In directory order; keys checked but not (yet) in the directory come last, as given.
    [[nodiscard]] QStringList checkedKeys() const;
    void setCheckedKeys(const QStringList &keys);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void checkedChanged();

private:
    [[nodiscard]] QString keyField() const;
    [[nodiscard]] QStringList columnFields() const;

    Kind m_kind;
    QList<QJsonObject> m_entries;
    QHash<QString, int> m_rowOf;
    bool m_checkable = false;
    QStringList m_checked; // in the order checked
};

} // namespace cmeet::client
