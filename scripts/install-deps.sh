#!/usr/bin/env bash
# Installs the Debian 12 packages the workbench needs. Idempotent: when everything is
# present it only checks and returns within a second. Needs root (or sudo) to install.
#
#   scripts/install-deps.sh          what building and running needs (SLURM client tools only:
#                                    sbatch/squeue/scancel for `irl4rec sweep submit`)
#   scripts/install-deps.sh --test   also the SLURM and munge daemons the test suite starts
#                                    itself (test_sweep_slurm); no service is left running
set -euo pipefail

with_test=0
case "${1:-}" in
  --test) with_test=1 ;;
  "") ;;
  *) echo "usage: scripts/install-deps.sh [--test]" >&2; exit 2 ;;
esac

packages=(
  build-essential cmake pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-pthread libdnnl-dev libtcmalloc-minimal4
  zlib1g-dev
  libsqlite3-dev
  xvfb xauth
  desktop-file-utils appstream
  slurm-client
)
# The daemons, only for test_sweep_slurm's throw-away single-node cluster.
if [ "$with_test" -eq 1 ]; then
  packages+=(slurm-wlm munge)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# munge, slurmctld and slurmd would start as system services on install. A policy-rc.d that
# answers 101 ("action forbidden") keeps invoke-rc.d from starting them; an existing one (e.g.
# Docker's, which does the same) is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  own_policy=1
  trap '"${SUDO[@]}" rm -f "$policy"' EXIT
fi
"${SUDO[@]}" apt-get update -qq || true
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
# Under systemd the units may still be enabled for the next boot: the tests start their own
# daemons, so disable (and stop, should one have started) the system ones.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  for unit in munge slurmctld slurmd; do
    if systemctl list-unit-files "$unit.service" >/dev/null 2>&1; then
      "${SUDO[@]}" systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
    fi
  done
fi
[ "$own_policy" -eq 1 ] && "${SUDO[@]}" rm -f "$policy" && trap - EXIT
exit 0
