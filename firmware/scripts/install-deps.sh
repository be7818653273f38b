#!/usr/bin/env bash
# Debian packages the firmware's host build needs: compilers, CMake/Ninja, GoogleTest, libmosquitto (the virtual
# device's MQTT client) and clang's libFuzzer runtime. Idempotent: returns at once when everything is installed.
set -euo pipefail
PACKAGES=(cmake ninja-build g++ pkg-config libgtest-dev libmosquitto-dev clang libclang-rt-14-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
sudo=()
((EUID == 0)) || sudo=(sudo)
echo "[firmware] apt-get install ${missing[*]}" >&2
apt_install() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}" >&2
}
# On a fresh machine the package lists are empty or old: refresh them once, then retry.
apt_install || { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q >&2 && apt_install; }
