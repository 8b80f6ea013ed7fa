#include "client/ui/poll_chart.h"

#include <QPainter>
#include <QPalette>

#include <algorithm>

namespace cmeet::client {

PollChart::PollChart(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void PollChart::setResult(const QStringList &options, const QList<int> &counts, int invalid)
{
    m_labels = options;
    m_counts = counts;
    m_counts.resize(m_labels.size());
    m_labels.append(tr("Invalid"));
    m_counts.append(invalid);
    setAccessibleDescription(tr("Poll result"));
    updateGeometry();
    update();
}

void PollChart::clear()
{
    m_labels.clear();
    m_counts.clear();
    updateGeometry();
    update();
}

QSize PollChart::sizeHint() const
{
    const int rows = std::max<int>(1, static_cast<int>(m_labels.size()));
    return {320, rows * (fontMetrics().height() + 10) + 10};
}

QSize PollChart::minimumSizeHint() const
{
    return {200, sizeHint().height()};
}

void PollChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics metrics = fontMetrics();
    if (m_labels.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("The result is shown once the poll has ended."));
        return;
    }
    int labelWidth = 0;
    for (const QString &label : m_labels)
        labelWidth = std::max(labelWidth, metrics.horizontalAdvance(label) + 4); // + rounding: never elide what fits
    labelWidth = std::min(labelWidth, width() / 3);
    const int total = std::max(1, *std::max_element(m_counts.begin(), m_counts.end()));
    const int countWidth = metrics.horizontalAdvance(QStringLiteral("0000"));
    const int barLeft = labelWidth + 12;
    const int barSpace = std::max(10, width() - barLeft - countWidth - 12);
    const int rowHeight = metrics.height() + 10;
    for (qsizetype i = 0; i < m_labels.size(); ++i) {
        const int top = 5 + static_cast<int>(i) * rowHeight;
        const bool invalid = i == m_labels.size() - 1;
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(0, top, labelWidth, rowHeight), Qt::AlignRight | Qt::AlignVCenter,
                         metrics.elidedText(m_labels.at(i), Qt::ElideRight, labelWidth));
        const int barWidth = barSpace * m_counts.at(i) / total;
        const QColor colour = invalid ? QColor(0xb0, 0x3a, 0x2e) : palette().color(QPalette::Highlight);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour);
        painter.drawRoundedRect(QRect(barLeft, top + 4, std::max(barWidth, 2), rowHeight - 8), 3, 3);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(barLeft + barWidth + 6, top, countWidth + 6, rowHeight), Qt::AlignLeft | Qt::AlignVCenter,
                         QString::number(m_counts.at(i)));
    }
}

} // namespace cmeet::client
