#pragma once
/// Checks a checkpoint or training state file (a LibTorch archive: a zip of stored entries) before
/// LibTorch parses it. LibTorch 1.13 never verifies the zip's CRC-32s, and some damaged files
/// make its reader crash the process (a flipped byte in `data.pkl` ends in a SIGSEGV inside its
/// TorchScript type parser: tests/models/test_training.cpp damagedCheckpointsAndStatesAreRefused).
/// Qt Core and zlib only.

#include "core/common/error.h"

#include <QByteArray>
#include <QString>

namespace irl4rec::train {

/// OK when `bytes` is a zip archive whose every entry lies inside the file with the name, length
/// and CRC-32 its central directory records (zip64 included); otherwise the cause
/// ("entry 'x/data.pkl' is damaged (CRC-32 mismatch)", "no zip directory at the end: the file
/// is cut short"). Compressed entries (LibTorch writes none) are checked for bounds only.
Status verifyTorchArchive(const QByteArray& bytes);
/// Reads a file and checks it the same way; returns its bytes for LibTorch to load from memory
/// (one read from disk). Errors name the file ("FILE: not a readable checkpoint: cause").
Expected<QByteArray> readVerifiedTorchArchive(const QString& path, const QString& what);

}  // namespace irl4rec::train
