#pragma once
// The room's images (DESIGN.md §10): every image shown in the meeting, newest selected, in a
// viewer; the host shows one of the patient under discussion (a button, or a file dropped on
// the room). What is not yet here, or does not match its event, says so in the list.

#include "client/core/session_images.h"

#include <QWidget>
#include <functional>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace cmeet::client {

class DirectoryModel;
class ImageViewer;
class UserPrompts;

class ImagesPanel : public QWidget {
    Q_OBJECT

public:
    // discussedPatient: the patient under discussion now (empty: none).
    ImagesPanel(SessionImages &images, const DirectoryModel &patients, UserPrompts &prompts, std::function<QString()> discussedPatient,
                QWidget *parent = nullptr);

    // Host controls shown, and whether sharing is possible now (present, not ended).
    void setHost(bool host, bool canShare);
    // Shares the file at path for the patient under discussion (the button and a drop both end here).
    void share(const QString &path);

    [[nodiscard]] bool acceptsDroppedFiles() const { return m_dropAllowed; }
    [[nodiscard]] ImageViewer &viewer() { return *m_viewer; }

Q_SIGNALS:
    // Something the room's message line should say.
    void said(const QString &text, bool problem);

private:
    void addRow(int row);
    void updateRow(int row);
    void showSelected();
    void onLoaded(const QByteArray &sha256, const QString &mediaType, const QByteArray &bytes);
    [[nodiscard]] QString describe(const SessionImages::Image &image) const;

    SessionImages &m_images;
    const DirectoryModel &m_patients;
    UserPrompts &m_prompts;
    std::function<QString()> m_discussedPatient;
    QListWidget *m_list;
    ImageViewer *m_viewer;
    QWidget *m_hostControls;
    QLineEdit *m_caption;
    QPushButton *m_share;
    QLabel *m_shareState;
    bool m_dropAllowed = false;
    QByteArray m_shown;   // the image in the viewer
    QByteArray m_loading; // asked of the replica, not yet decoded
};

} // namespace cmeet::client
