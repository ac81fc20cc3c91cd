# prometheus: prometheus and promtool with Kubernetes service discovery (scripts/prometheus/build,
# cached per version under ~/.cache/iwp/testenv). Nothing is started: the tests start a
# Prometheus with the config mon-ctl generates. IWP_PROMETHEUS_BIN goes to the env file.
# shellcheck shell=bash
prometheus_up() {
  local bin
  bin=$("$IWP_ROOT/scripts/prometheus/build" 2>>"$IWP_TESTENV_DIR/logs/prometheus-build.log") || return 1
  env_set IWP_PROMETHEUS_BIN "$bin"
}
prometheus_down() { :; }
prometheus_status() { [ -x "${XDG_CACHE_HOME:-$HOME/.cache}/iwp/testenv/prometheus-${IWP_PROMETHEUS_VERSION:-v2.42.0}/bin/promtool" ]; }
