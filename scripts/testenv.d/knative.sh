# knative: Knative Serving's own controller and autoscaler (scripts/knative/build, from the
# knative.dev/serving Go module) as processes against the kube component's apiserver, after
# `knative-deploy install` (the real command) has put Serving's CRDs and config maps in.
# Revisions run as pods on kwok's simulated nodes. No gateway pods can run there, so
# `knative-deploy local-ingress` stands in for the networking layer (KIngress Ready).
# The autoscaler's stats server binds :8080 on all interfaces (fixed in Knative).
#   IWP_KNATIVE_BIN, IWP_KNATIVE_VERSION
# shellcheck shell=bash
knative_kd() { node "$IWP_ROOT/packages/knative-deploy/bin/run.js" "$@"; }
knative_up() {
  local bin ip version=${IWP_KNATIVE_VERSION:-v0.50.0} KUBECONFIG
  knative_status && return 0
  # the kube component's cluster, never a KUBECONFIG of the calling shell
  KUBECONFIG=$(set -a; . "$IWP_TESTENV_DIR/env"; echo "${KUBECONFIG:-}")
  [ -n "$KUBECONFIG" ] || { log "knative: the kube component is not up"; return 1; }
  bin=$("$IWP_ROOT/scripts/knative/build" 2>>"$IWP_TESTENV_DIR/logs/knative-build.log") || return 1
  knative_kd install --version "$version" --kubeconfig "$KUBECONFIG" --json 9>&- > "$IWP_TESTENV_DIR/knative-install.json" \
    2>>"$IWP_TESTENV_DIR/logs/knative.log" || return 1
  # the autoscaler announces itself by pod IP to its peers: any non-loopback address will do
  ip=$(hostname -I 2>/dev/null | awk '{print $1}'); [ -n "$ip" ] || ip=192.0.2.1
  local common=(env SYSTEM_NAMESPACE=knative-serving KUBECONFIG="$KUBECONFIG")
  # client-side rate limits: Knative's default (5 QPS per reconciler) paces a burst of services
  # far below what a local apiserver takes
  local qps=(--kube-api-qps=300 --kube-api-burst=600)
  running knative-controller || start_bg knative-controller "$IWP_TESTENV_DIR/logs/knative-controller.log" \
    "${common[@]}" POD_NAME=controller-0 PROFILING_PORT=0 "$bin/controller" --kubeconfig "$KUBECONFIG" "${qps[@]}" --threads-per-controller=8
  running knative-autoscaler || start_bg knative-autoscaler "$IWP_TESTENV_DIR/logs/knative-autoscaler.log" \
    "${common[@]}" POD_NAME=autoscaler-0 POD_IP="$ip" PROFILING_PORT=0 "$bin/autoscaler" --kubeconfig "$KUBECONFIG" "${qps[@]}"
  running knative-ingress || start_bg knative-ingress "$IWP_TESTENV_DIR/logs/knative-ingress.log" \
    node "$IWP_ROOT/packages/knative-deploy/bin/run.js" local-ingress --kubeconfig "$KUBECONFIG"
  sleep 2
  knative_status || return 1
  env_set IWP_KNATIVE_BIN "$bin"
  env_set IWP_KNATIVE_VERSION "$version"
}
knative_down() { stop_bg knative-ingress; stop_bg knative-autoscaler; stop_bg knative-controller; rm -f "$IWP_TESTENV_DIR/knative-install.json"; }
knative_status() { running knative-controller && running knative-autoscaler && running knative-ingress; }
