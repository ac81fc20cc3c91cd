# moto: the AWS emulator for S3, DynamoDB and EC2 (PyPI moto[server], pinned), in a venv
# under ~/.cache/iwp/testenv, deciding one request at a time over keep-alive connections
# (scripts/testenv.d/moto_server.py says why).  AWS_ENDPOINT_URL and dummy credentials go to the env file.
# shellcheck shell=bash
MOTO_VERSION=${IWP_MOTO_VERSION:-5.2.5}
moto_venv() { echo "$(iwp_cache)/testenv/moto-$MOTO_VERSION"; }
moto_install() {
  local venv; venv=$(moto_venv)
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import moto.server' 2>/dev/null && return 0
  log "installing moto[server]==$MOTO_VERSION"
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp" >&2
  "$venv.tmp/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  rm -rf "$venv" && mv "$venv.tmp" "$venv"
  # a venv records its own path in its scripts; python -m works after the move
}
moto_up() {
  running moto && return 0
  moto_install
  local port; port=$(free_port)
  S3_UPLOAD_PART_MIN_SIZE=${S3_UPLOAD_PART_MIN_SIZE:-5242880} \
    start_bg moto "$IWP_TESTENV_DIR/logs/moto.log" \
    "$(moto_venv)/bin/python" "$IWP_ROOT/scripts/testenv.d/moto_server.py" 127.0.0.1 "$port"
  wait_http "http://127.0.0.1:$port/moto-api/" 60 || return 1
  env_set AWS_ENDPOINT_URL "http://127.0.0.1:$port"
  env_set AWS_ACCESS_KEY_ID testing
  env_set AWS_SECRET_ACCESS_KEY testing
  env_set AWS_REGION us-east-1
  env_set AWS_DEFAULT_REGION us-east-1
  env_set IWP_MOTO_VERSION "$MOTO_VERSION"
  env_set IWP_MOTO_PYTHON "$(moto_venv)/bin/python"
}
moto_down() { stop_bg moto; }
moto_status() { running moto; }
