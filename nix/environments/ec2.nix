# A cluster on EC2 instances (k3s server + agents) in its own VPC, one subnet per zone.
#   cluster-up create -f nix/environments/ec2.nix
let inherit (import ../lib/environment.nix) mkEnvironment; in
mkEnvironment {
  name = "prod";
  provider = "ec2";
  region = "eu-west-1";
  kubernetes.version = "v1.34.4";
  nodes = [
    { role = "control-plane"; instanceType = "t3.medium"; }
    { role = "worker"; count = 3; instanceType = "t3.large"; labels = { "iwp.dev/pool" = "web"; }; }
  ];
  network = {
    cidr = "10.42.0.0/16";
    subnets = [ "10.42.1.0/24" "10.42.2.0/24" "10.42.3.0/24" ];
    adminCidr = "203.0.113.0/24";
  };
  cache = "s3://iwp-prod-cache?region=eu-west-1";
  addons = [ "knative" "monitoring" ];
}
