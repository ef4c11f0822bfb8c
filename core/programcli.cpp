#include "programcli.h"

#include <QCoreApplication>

#include <cstdio>

namespace ProgramCli {

namespace {

    void printLine(FILE *stream, const QString &line)
    {
        const QByteArray bytes = (line + u'\n').toLocal8Bit();
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
        std::fflush(stream);
    }

} // namespace

Parser::Parser(const QString &description)
    : m_help(m_parser.addHelpOption())
    , m_version(m_parser.addVersionOption())
{
    m_parser.setApplicationDescription(description);
}

void Parser::addOptions(const QList<QCommandLineOption> &options)
{
    m_parser.addOptions(options);
}

Outcome Parser::parse(const QStringList &arguments, Positional positional)
{
    // parse(), not process(): process() prints and exits with status 1 on bad usage; ours is 2,
    // and tests read the outcome without a process.
    if (!m_parser.parse(arguments))
        return Outcome::badUsage(m_parser.errorText() + QStringLiteral(" (see --help)"));
    if (m_parser.isSet(m_help))
        return { Outcome::Action::ShowHelp, m_parser.helpText() };
    if (m_parser.isSet(m_version)) {
        return { Outcome::Action::ShowVersion,
            QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion()
                + u'\n' };
    }
    const QStringList positionalArguments = m_parser.positionalArguments();
    if (positional == Positional::Refused && !positionalArguments.isEmpty())
        return unexpectedArgument(positionalArguments.constFirst());
    return {};
}

Outcome unexpectedArgument(const QString &argument)
{
    return Outcome::badUsage(
        QStringLiteral("unexpected argument \"%1\" (see --help)").arg(argument));
}

QString programName()
{
    const QString name = QCoreApplication::applicationName();
    return name.isEmpty() ? QStringLiteral("wssp") : name;
}

void printError(const QString &message)
{
    printLine(stderr, programName() + QStringLiteral(": error: ") + message);
}

void printWarning(const QString &message)
{
    printLine(stderr, programName() + QStringLiteral(": warning: ") + message);
}

int finish(const Outcome &outcome)
{
    switch (outcome.action) {
    case Outcome::Action::ShowHelp:
    case Outcome::Action::ShowVersion: {
        const QByteArray text = outcome.text.toLocal8Bit();
        std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
        std::fflush(stdout);
        return exitOk;
    }
    case Outcome::Action::BadUsage:
        if (!outcome.text.isEmpty())
            printError(outcome.text);
        return exitBadUsage;
    case Outcome::Action::Run:
        break;
    }
    Q_ASSERT_X(false, "ProgramCli::finish", "the program runs its value instead");
    return exitBadUsage;
}

} // namespace ProgramCli
