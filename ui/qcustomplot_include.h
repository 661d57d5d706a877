#pragma once
// qcustomplot.h spells Qt's keyword macros (signals, slots, emit, foreach), which the project
// turns off with QT_NO_KEYWORDS because they collide with names in LibTorch's headers.
// Include QCustomPlot through this header only: the macros exist just for its declarations.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
