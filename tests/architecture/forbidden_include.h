// Fixture of tests/architecture: a header of core/models that reaches upward (line 4) and into
// the GUI (line 6); CheckLayers.cmake must name both.
#include "core/models/kinds.h"
#include "core/train/train_config.h"
#include <torch/torch.h>
#include "ui/main_window.h"
