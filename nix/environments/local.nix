# A cluster on this machine: the control plane as local processes, two simulated workers.
#   cluster-up create -f nix/environments/local.nix
let inherit (import ../lib/environment.nix) mkEnvironment; in
mkEnvironment {
  name = "dev";
  provider = "local";
  kubernetes.version = "v1.34.4";
  nodes = [
    { role = "control-plane"; }
    { role = "worker"; count = 2; labels = { "iwp.dev/pool" = "default"; }; }
  ];
  registry = "127.0.0.1:5000";
  addons = [ "knative" "monitoring" ];
}
