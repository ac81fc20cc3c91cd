# kube: a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with kwok nodes, started by `cluster-up create --provider local`, the same
# code users run. The binaries come from scripts/k8s/build (cached per version under
# ~/.cache/iwp/testenv). KUBECONFIG and the Cluster document's path go to the env file.
# shellcheck shell=bash
KUBE_NAME=iwp-testenv
kube_cli() { node "$IWP_ROOT/packages/cluster-up/bin/run.js" "$@"; }
kube_up() {
  kube_status && return 0
  local bin doc=$IWP_TESTENV_DIR/cluster.json
  bin=$("$IWP_ROOT/scripts/k8s/build" 2>>"$IWP_TESTENV_DIR/logs/k8s-build.log") || return 1
  kube_cli delete "$KUBE_NAME" --state-dir "$IWP_TESTENV_DIR/kube" >/dev/null 2>&1 || true
  kube_cli create --provider local --name "$KUBE_NAME" --nodes 2 --runtime kwok --json \
    --state-dir "$IWP_TESTENV_DIR/kube" --bin-dir "$bin" 9>&- > "$doc.tmp" \
    2>>"$IWP_TESTENV_DIR/logs/kube.log" || return 1
  mv "$doc.tmp" "$doc"
  env_set KUBECONFIG "$(jq -r .kubeconfig "$doc")"
  env_set IWP_CLUSTER "$doc"
  env_set IWP_K8S_BIN "$bin"
  env_set IWP_K8S_VERSION "${IWP_K8S_VERSION:-v1.34.4}"
}
kube_down() {
  [ -d "$IWP_TESTENV_DIR/kube" ] || return 0
  kube_cli delete "$KUBE_NAME" --state-dir "$IWP_TESTENV_DIR/kube" >/dev/null 2>&1 || true
  rm -f "$IWP_TESTENV_DIR/cluster.json"
}
kube_status() {
  [ -f "$IWP_TESTENV_DIR/cluster.json" ] && kube_cli status "$KUBE_NAME" --state-dir "$IWP_TESTENV_DIR/kube" >/dev/null 2>&1
}
