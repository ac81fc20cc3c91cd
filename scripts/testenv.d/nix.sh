# nix: Debian's nix-bin as a single-user store owned by the current user; no sandbox (builds
# use host tools through builtins.derivation), nix-command enabled for `nix path-info` etc.
# shellcheck shell=bash
nix_conf_line() {
  local key=$1 line=$2 conf=/etc/nix/nix.conf
  grep -qE "^[[:space:]]*$key[[:space:]]*=" "$conf" 2>/dev/null || echo "$line" >> "$conf"
}
nix_up() {
  apt_install nix-bin
  mkdir -p /etc/nix /nix/var/nix/profiles/per-user/root
  nix_conf_line sandbox "sandbox = false"
  nix_conf_line experimental-features "experimental-features = nix-command"
  # builds run as the calling user: no build-users group needed in single-user mode
  nix_conf_line build-users-group "build-users-group ="
  # only loopback is reachable here: asking cache.nixos.org costs seconds of retries per build
  [ -n "${IWP_NIX_KEEP_SUBSTITUTERS:-}" ] || nix_conf_line substituters "substituters ="
  env_set NIX_REMOTE ""
  env_set IWP_NIX_VERSION "$(nix --version | awk '{print $NF}')"
  nix_status
}
nix_down() { :; }
nix_status() {
  [ -n "$(cat <<'NIX' | nix-instantiate --eval --expr "$(cat)" 2>/dev/null
builtins.toString (1 + 1)
NIX
)" ]
}
