#!/usr/bin/env bash
# Software Vulkan driver for testing the WebGPU path without a GPU: Mesa 25 lavapipe from Debian
# bookworm-backports (Mesa 22 in bookworm lacks a feature Dawn needs), fetched with apt-get
# download and unpacked with dpkg -x into a folder of the project; nothing is installed on the
# system. Prints the environment to use:
#   VK_ICD_FILENAMES=<dir>/lvp.json LD_LIBRARY_PATH=<dir>/root/usr/lib/x86_64-linux-gnu
# Usage: scripts/lavapipe.sh [DIR]   (default .cache/lavapipe; idempotent)
set -euo pipefail
dir=$(realpath -m "${1:-.cache/lavapipe}")
lib="$dir/root/usr/lib/x86_64-linux-gnu"
if [ ! -f "$dir/lvp.json" ]; then
  command -v apt-get >/dev/null || { echo "lavapipe: apt-get is not available" >&2; exit 2; }
  command -v dpkg >/dev/null || { echo "lavapipe: dpkg is not available" >&2; exit 2; }
  [ "$(dpkg --print-architecture)" = amd64 ] || { echo "lavapipe: only amd64 is set up" >&2; exit 2; }
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs" "$dir/root"
  cat > "$dir/sources.list" <<LIST
deb http://deb.debian.org/debian bookworm-backports main
deb http://deb.debian.org/debian bookworm main
LIST
  opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update >&2
  (cd "$dir/debs" && apt-get "${opts[@]}" -qq download \
    mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports \
    libvulkan1 libllvm15 libwayland-client0 libx11-xcb1 libxcb-dri3-0 libxcb-present0 libxcb-randr0 \
    libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxshmfence1 libsensors5 libelf1 libzstd1 >&2)
  for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
  [ -f "$lib/libvulkan_lvp.so" ] || { echo "lavapipe: libvulkan_lvp.so missing after unpacking" >&2; exit 2; }
  sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$lib/libvulkan_lvp.so\"#" "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json" > "$dir/lvp.json.tmp"
  mv "$dir/lvp.json.tmp" "$dir/lvp.json"
fi
echo "VK_ICD_FILENAMES=$dir/lvp.json"
echo "LD_LIBRARY_PATH=$lib"
