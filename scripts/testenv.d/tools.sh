# tools: the Debian packages tests call directly (checked and installed, nothing to start).
# shellcheck shell=bash
TOOLS_PKGS=(curl jq openssl apache2-utils docker-registry nix-bin runc skopeo umoci busybox-static prometheus xz-utils zstd bzip2
  containerd containernetworking-plugins iptables conntrack iproute2 util-linux socat chromium)
tools_up() { apt_install "${TOOLS_PKGS[@]}"; }
tools_down() { :; }
tools_status() { local p; for p in "${TOOLS_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || return 1; done; }
