# A cluster on this machine: the control plane as local processes and one real worker
# (kubelet, containerd, runc, CNI in its own network namespace) that pulls from the local
# registry. Add simulated workers for scale tests with
#   { role = "worker"; count = 50; runtime = "kwok"; }
#   cluster-up create -f nix/environments/local.nix
let inherit (import ../lib/environment.nix) mkEnvironment; in
mkEnvironment {
  name = "dev";
  provider = "local";
  kubernetes.version = "v1.34.4";
  nodes = [
    { role = "worker"; runtime = "containerd"; labels = { "iwp.dev/pool" = "default"; }; }
  ];
  registry = "127.0.0.1:5000";
  addons = [ "knative" "monitoring" ];
}
