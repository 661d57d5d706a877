// Fixture of tests/architecture: includes that core/train may have.
#include "core/common/error.h"
#include "core/models/objective.h"
#include "core/train/train_config.h"
#include <QString>
