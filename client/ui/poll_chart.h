#pragma once
// A poll's result as horizontal bars, one per option and one for invalid votes, drawn with
// QPainter (QtCharts is GPL-3.0 only; c-meet is Apache-2.0).

#include <QStringList>
#include <QWidget>

namespace cmeet::client {

class PollChart : public QWidget {
    Q_OBJECT

public:
    explicit PollChart(QWidget *parent = nullptr);

    // counts: per option; an empty chart says the result is not known yet.
    void setResult(const QStringList &options, const QList<int> &counts, int invalid);
    void clear();
    [[nodiscard]] const QList<int> &counts() const { return m_counts; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QStringList m_labels;
    QList<int> m_counts;
};

} // namespace cmeet::client
