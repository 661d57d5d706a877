#pragma once
/// Small helpers shared by the CLI commands.

#include "core/common/error.h"

#include <QString>

namespace irl4rec::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

/// Prints "irl4rec: <message>" on one line to stderr and returns kExitBadInput.
int badInput(const QString& message);
int badInput(const Error& error);
/// Writes text to stdout / stderr (UTF-8, no extra newline).
void out(const QString& text);
void err(const QString& text);

}  // namespace irl4rec::cli
