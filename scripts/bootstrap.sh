#!/usr/bin/env bash
# The README's two set-up commands:
#   scripts/bootstrap.sh run    install, build, open the workbench on the bundled sample dataset
#   scripts/bootstrap.sh test   install, build, run the whole test suite through ctest
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  run|test) ;;
  *) echo "usage: scripts/bootstrap.sh run|test" >&2; exit 2 ;;
esac

if [ "$mode" = test ]; then
  scripts/install-deps.sh --test
else
  scripts/install-deps.sh
fi
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"

if [ "$mode" = test ]; then
  ctest --preset default -j 1
  # AddressSanitizer + UndefinedBehaviorSanitizer on the layers that take outside input without
  # LibTorch: the data layer's split and the SQLite store (docs/RELIABILITY.md "Sanitizer
  # build"; the whole suite under the preset is `cmake --preset asan && cmake --build build-asan
  # && ctest --preset asan`, hours on two cores).
  cmake --preset asan >/dev/null
  cmake --build build-asan -j "$(nproc)" --target test_data_split test_store store_kill_helper
  exec ctest --preset asan -j 1 -R '^(test_data_split|test_store)$'
fi

sample=datasets/synthetic/iid.txt
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "bootstrap: no display; starting the workbench under xvfb-run" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" build/app/irl4rec-workbench --data "$sample" "${@:2}"
fi
exec build/app/irl4rec-workbench --data "$sample" "${@:2}"
