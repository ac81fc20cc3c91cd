# registry: two Debian docker-registry (distribution 2.8.2) servers with generated configs
# (Debian's own config turns on htpasswd on :5000): `registry` without auth and
# `registry-auth` with htpasswd basic auth (bcrypt) and no token server.
#   IWP_REGISTRY=127.0.0.1:PORT
#   IWP_REGISTRY_AUTH=127.0.0.1:PORT IWP_REGISTRY_AUTH_USER IWP_REGISTRY_AUTH_PASSWORD
# shellcheck shell=bash
registry_config() { # NAME PORT [HTPASSWD]
  local dir=$IWP_TESTENV_DIR/$1
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $dir/data}"
    echo "  delete: {enabled: true}"
    echo "http:"
    echo "  addr: 127.0.0.1:$2"
    echo "  headers: {X-Content-Type-Options: [nosniff]}"
    if [ -n "${3:-}" ]; then
      echo "auth:"
      echo "  htpasswd: {realm: iwp-test, path: $3}"
    fi
  } > "$dir/config.yml"
}
registry_start() { # NAME [HTPASSWD]
  local name=$1 port
  if running "$name"; then return 0; fi
  port=$(free_port)
  registry_config "$name" "$port" "${2:-}"
  start_bg "$name" "$IWP_TESTENV_DIR/logs/$name.log" docker-registry serve "$IWP_TESTENV_DIR/$name/config.yml"
  wait_http "http://127.0.0.1:$port/v2/" 30 || return 1
  echo "$port"
}
registry_up() {
  apt_install docker-registry apache2-utils
  local port
  if ! running registry; then
    port=$(registry_start registry) || return 1
    env_set IWP_REGISTRY "127.0.0.1:$port"
  fi
  if ! running registry-auth; then
    local user=iwp pass
    pass=$(openssl rand -hex 12)
    mkdir -p "$IWP_TESTENV_DIR/registry-auth"
    htpasswd -Bbn "$user" "$pass" > "$IWP_TESTENV_DIR/registry-auth/htpasswd"
    port=$(registry_start registry-auth "$IWP_TESTENV_DIR/registry-auth/htpasswd") || return 1
    env_set IWP_REGISTRY_AUTH "127.0.0.1:$port"
    env_set IWP_REGISTRY_AUTH_USER "$user"
    env_set IWP_REGISTRY_AUTH_PASSWORD "$pass"
  fi
  env_set IWP_REGISTRY_VERSION "$(dpkg-query -W -f '${Version}' docker-registry)"
}
registry_down() { stop_bg registry-auth; stop_bg registry; rm -rf "$IWP_TESTENV_DIR/registry" "$IWP_TESTENV_DIR/registry-auth"; }
registry_status() { running registry && running registry-auth; }
