#!/usr/bin/env bash
# Renders the committed PNG sizes of the application icon from the SVG (needs rsvg-convert,
# Debian package librsvg2-bin). The PNGs are committed, so building does not need it.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256; do
  rsvg-convert -w "$size" -h "$size" org.irl4rec.Workbench.svg -o "hicolor/${size}x${size}/org.irl4rec.Workbench.png"
done
