#pragma once

#include "settings.h"

// The settings rules that involve more than one key or the items of a list (the upstream
// policy's rules, tokens, origins, header names, the TLS pair, where the admin endpoints may
// answer without a token). Settings::apply() runs them after every key is read.
namespace SettingsRules {

// False with `error` naming the key (and the item): `proxy.allowedOrigins[0]: "x": must be ...`.
bool check(const Settings &settings, QString *error);

} // namespace SettingsRules
