# knative: Knative Serving's own controller and autoscaler (scripts/knative/build, from the
# knative.dev/serving Go module) as processes against the kube component's apiserver, after
# `knative-deploy install --api-only` (the real command) has put Serving's CRDs and config maps
# in. Revisions run as pods on kwok's simulated nodes, where nothing listens, so a stand-in that
# lives with knative-deploy's tests (packages/knative-deploy/test/standin) plays the data
# plane: it marks KIngresses Ready, routes requests sent to it by Host and counts them (buffering them through a cold start
# from zero, reported to the autoscaler as the activator does), and answers its scrapes of
# pods and its activator probes (the autoscaler reaches it as its HTTP proxy). The autoscaler
# then scales on real requests. The autoscaler's stats server binds :8080 on all interfaces
# (fixed in Knative).
#   IWP_KNATIVE_BIN, IWP_KNATIVE_VERSION, IWP_KNATIVE_GATEWAY (host:port of the data plane)
# shellcheck shell=bash
knative_kd() { node "$IWP_ROOT/packages/knative-deploy/bin/run.js" "$@"; }
knative_up() {
  local bin ip port version=${IWP_KNATIVE_VERSION:-v0.50.0} KUBECONFIG
  knative_status && return 0
  # the kube component's cluster, never a KUBECONFIG of the calling shell
  KUBECONFIG=$(set -a; . "$IWP_TESTENV_DIR/env"; echo "${KUBECONFIG:-}")
  [ -n "$KUBECONFIG" ] || { log "knative: the kube component is not up"; return 1; }
  bin=$("$IWP_ROOT/scripts/knative/build" 2>>"$IWP_TESTENV_DIR/logs/knative-build.log") || return 1
  # a short scale-to-zero grace period keeps the tests of scaling to zero short
  knative_kd install --api-only --version "$version" --kubeconfig "$KUBECONFIG" --json \
    --config config-autoscaler.scale-to-zero-grace-period=6s 9>&- > "$IWP_TESTENV_DIR/knative-install.json" \
    2>>"$IWP_TESTENV_DIR/logs/knative.log" || return 1
  # the autoscaler announces itself by pod IP to its peers: any non-loopback address will do
  ip=$(hostname -I 2>/dev/null | awk '{print $1}'); [ -n "$ip" ] || ip=192.0.2.1
  port=$(free_port)
  local common=(env SYSTEM_NAMESPACE=knative-serving KUBECONFIG="$KUBECONFIG")
  # client-side rate limits: Knative's default (5 QPS per reconciler) paces a burst of services
  # far below what a local apiserver takes
  local qps=(--kube-api-qps=300 --kube-api-burst=600)
  running knative-dataplane || start_bg knative-dataplane "$IWP_TESTENV_DIR/logs/knative-dataplane.log" \
    node --import "$IWP_ROOT/node_modules/tsx/dist/loader.mjs" "$IWP_ROOT/packages/knative-deploy/test/standin/main.ts" --kubeconfig "$KUBECONFIG" --port "$port"
  wait_http "http://127.0.0.1:$port/" 30 || return 1
  running knative-controller || start_bg knative-controller "$IWP_TESTENV_DIR/logs/knative-controller.log" \
    "${common[@]}" POD_NAME=controller-0 PROFILING_PORT=0 "$bin/controller" --kubeconfig "$KUBECONFIG" "${qps[@]}" --threads-per-controller=8
  # one test environment a machine: a second autoscaler cannot bind :8080 and stops leading at once
  if ! running knative-autoscaler && ss -Hltn 'sport = :8080' 2>/dev/null | grep -q .; then
    log "knative: port 8080 is taken ($(ss -Hltnp 'sport = :8080' | grep -o 'users:.*' | head -1)); Knative's autoscaler binds it: is another test environment up?"
    return 1
  fi
  # Go never proxies loopback, so only the scrapes of pods and the activator probes go there
  running knative-autoscaler || start_bg knative-autoscaler "$IWP_TESTENV_DIR/logs/knative-autoscaler.log" \
    "${common[@]}" POD_NAME=autoscaler-0 POD_IP="$ip" PROFILING_PORT=0 HTTP_PROXY="http://127.0.0.1:$port" NO_PROXY=127.0.0.1,localhost \
    "$bin/autoscaler" --kubeconfig "$KUBECONFIG" "${qps[@]}"
  sleep 2
  knative_status || return 1
  env_set IWP_KNATIVE_BIN "$bin"
  env_set IWP_KNATIVE_VERSION "$version"
  env_set IWP_KNATIVE_GATEWAY "127.0.0.1:$port"
}
knative_down() { stop_bg knative-autoscaler; stop_bg knative-controller; stop_bg knative-dataplane; rm -f "$IWP_TESTENV_DIR/knative-install.json"; }
knative_status() { running knative-controller && running knative-autoscaler && running knative-dataplane; }
