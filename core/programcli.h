#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

// What the four programs' command lines have in common, written once: Qt's parser with the
// program's description, --help and --version; "program: error: ..." for bad usage; and how a
// parse ends. Each program adds its own options and reads them into its own value, which holds
// an Outcome; main() runs that value, or hands the Outcome to finish().
namespace ProgramCli {

inline constexpr int exitOk = 0;
inline constexpr int exitBadUsage = 2; // the same status as SettingsCli::exitBadSettings

// How reading a command line ended.
struct Outcome
{
    enum class Action {
        Run, // the program's value is ready
        ShowHelp, // print `text` to stdout, exit 0
        ShowVersion, // print `text` to stdout, exit 0
        BadUsage // print `text` (when not empty) as "program: error: text" to stderr, exit 2
    };
    Action action = Action::Run;
    // Help or version: what to print. BadUsage: the error without the "program: error: "
    // prefix, empty when it was printed already (SettingsCli prints the settings file's own).
    QString text;

    static Outcome badUsage(const QString &message) { return { Action::BadUsage, message }; }
    bool isRun() const { return action == Action::Run; }
};

// Whether positional arguments are the program's business (sse-test-server's --tls CERT KEY
// takes KEY as one) or refused by parse().
enum class Positional { Refused, Allowed };

// Qt's parser set up the way every program's is: its description, then --help and --version
// (listed first in the help), then the program's options.
class Parser
{
public:
    explicit Parser(const QString &description);

    void addOptions(const QList<QCommandLineOption> &options);

    // Parses `arguments` (program name first). BadUsage for an unknown option or a missing
    // value; ShowHelp or ShowVersion when asked, whatever else is on the line; BadUsage for a
    // positional argument unless `positional` allows them; else Run, and the program reads
    // its options from qt().
    Outcome parse(const QStringList &arguments, Positional positional = Positional::Refused);

    const QCommandLineParser &qt() const { return m_parser; }

private:
    QCommandLineParser m_parser;
    QCommandLineOption m_help;
    QCommandLineOption m_version;
};

// The BadUsage for a stray positional argument: unexpected argument "X" (see --help).
Outcome unexpectedArgument(const QString &argument);

// The program's name in its messages: the application name, "wssp" before there is one.
QString programName();

// "program: error: message" and "program: warning: message" on stderr, at once.
void printError(const QString &message);
void printWarning(const QString &message);

// For every Outcome but Run: prints its text where it belongs and returns the exit status.
int finish(const Outcome &outcome);

} // namespace ProgramCli
