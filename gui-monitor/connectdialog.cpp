#include "connectdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

ConnectDialog::ConnectDialog(const QUrl &url, const QString &token, QWidget *parent)
    : QDialog(parent)
    , m_url(new QLineEdit(url.toString(), this))
    , m_token(new QLineEdit(token, this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Connect to a proxy"));
    m_url->setPlaceholderText(QStringLiteral("ws://localhost:3001/monitor"));
    m_url->setMinimumWidth(360);
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_token->setPlaceholderText(tr("admin.token, if the proxy has one"));
    m_problem->setStyleSheet(QStringLiteral("color: #c62828"));

    auto *form = new QFormLayout(this);
    form->addRow(tr("Feed URL:"), m_url);
    form->addRow(tr("Token:"), m_token);
    form->addRow(m_problem);
    form->addRow(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_url, &QLineEdit::textChanged, this, &ConnectDialog::onUrlTextChanged);
    onUrlTextChanged();
}

QUrl ConnectDialog::url() const
{
    return QUrl(m_url->text().trimmed(), QUrl::StrictMode);
}

QString ConnectDialog::token() const
{
    return m_token->text();
}

void ConnectDialog::onUrlTextChanged()
{
    const QUrl u = url();
    const bool ok
        = u.isValid() && (u.scheme() == u"ws" || u.scheme() == u"wss") && !u.host().isEmpty();
    m_problem->setText(ok ? QString() : tr("Enter a ws:// or wss:// URL with a host."));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}
