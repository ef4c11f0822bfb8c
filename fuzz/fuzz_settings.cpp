// libFuzzer target for the settings.json loader (Settings::apply, validate, toJson);
// scripts/fuzz.sh builds and runs it.
//
// Input: the text of a settings file. Qt's JSON parser reads it (it is not what this target
// fuzzes: it is prebuilt, without coverage feedback); a top-level object goes to apply() over
// the defaults. Only apply/validate/toJson are used, so that new keys in the schema need no
// change here. Checks:
// - failure names the fault (non-empty error) and leaves the settings untouched;
// - success gives settings that validate(), and whose toJson() applied over fresh defaults
//   gives the same toJson() again: every value the loader accepts is one it can write back;
// - apply() only overlays: applying the same object again to its own result changes nothing.

#include "fuzzcheck.h"
#include "settings.h"

#include <QJsonDocument>

namespace {

void fail(const char *what, const QString &error)
{
    std::fprintf(stderr, "%s: %s\n", what, qPrintable(error));
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!doc.isObject())
        return 0;
    const QJsonObject root = doc.object();
    static const QJsonObject defaults = Settings().toJson();

    Settings settings;
    QString error;
    QStringList warnings;
    if (!settings.apply(root, &error, &warnings)) {
        FUZZ_CHECK(!error.isEmpty());
        FUZZ_CHECK(settings.toJson() == defaults);
        return 0;
    }
    FUZZ_CHECK(error.isEmpty());

    QString validateError;
    if (!settings.validate(&validateError))
        fail("accepted settings do not validate", validateError);

    const QJsonObject written = settings.toJson();
    Settings reread;
    QString rereadError;
    if (!reread.apply(written, &rereadError, nullptr))
        fail("toJson() of accepted settings is refused", rereadError);
    FUZZ_CHECK(reread.toJson() == written);

    Settings twice = settings;
    QString twiceError;
    if (!twice.apply(root, &twiceError, nullptr))
        fail("the same object applied again is refused", twiceError);
    FUZZ_CHECK(twice.toJson() == written);
    return 0;
}
