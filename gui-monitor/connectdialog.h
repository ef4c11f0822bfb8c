#pragma once

#include <QDialog>
#include <QUrl>

class QLineEdit;
class QLabel;
class QDialogButtonBox;

// Asks for the feed URL and token; OK only with a ws:// or wss:// URL.
class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    ConnectDialog(const QUrl &url, const QString &token, QWidget *parent = nullptr);

    QUrl url() const;
    QString token() const;

private:
    void onUrlTextChanged();

    QLineEdit *m_url;
    QLineEdit *m_token;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};
