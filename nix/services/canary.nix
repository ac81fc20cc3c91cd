# Two services from one descriptor: the attribute names are the service names.
# `traffic` pins a split; leave it out to send everything to the latest revision.
#   knative-deploy apply -f nix/services/canary.nix --image 127.0.0.1:5000/hello@sha256:...
let
  common = { env = { TARGET = "iwp"; }; scale = { min = 0; target = 10; }; };
in {
  services = {
    web = common // { scale = common.scale // { max = 5; }; };
    api = common // { concurrencyLimit = 50; scale = { min = 1; target = 20; }; };
  };
}
