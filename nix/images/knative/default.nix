# A Knative Serving component (controller, webhook, autoscaler, activator, queue) as an image,
# from a static Go binary built by scripts/knative/build --components (CGO_ENABLED=0, so the
# binary is the whole closure). `knative-deploy install --images build` runs:
#   IWP_KNATIVE_COMPONENT=controller IWP_KNATIVE_BINARY=~/.cache/iwp/knative/v0.50.0/bin/controller \
#     nix-image build nix/images/knative --push 127.0.0.1:5000/knative/controller:v0.50.0
# The layout follows ko's (the binary at /ko-app/NAME, KO_DATA_PATH), and the user is
# non-root: Knative's Deployments and its queue-proxy sidecar set runAsNonRoot.
{ component ? builtins.getEnv "IWP_KNATIVE_COMPONENT", binary ? builtins.getEnv "IWP_KNATIVE_BINARY" }:
assert builtins.elem component [ "controller" "webhook" "autoscaler" "activator" "queue" ]
  || throw "nix/images/knative: IWP_KNATIVE_COMPONENT: expected controller, webhook, autoscaler, activator or queue, got '${component}'";
assert binary != "" || throw "nix/images/knative: IWP_KNATIVE_BINARY: expected the path of the ${component} binary";
let
  inherit (import ../../lib/image.nix) mkImage;
  bin = builtins.path { path = binary; name = "knative-${component}-bin"; };
  app = derivation {
    name = "knative-${component}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/bin:/usr/bin";
    inherit bin;
    args = [ "-c" "mkdir -p $out/ko-app $out/var/run/ko && cp $bin $out/ko-app/${component} && chmod 0555 $out/ko-app/${component}" ];
  };
in
mkImage {
  name = "knative/${component}";
  tag = "latest";
  contents = [ app ];
  config = {
    Entrypoint = [ "${app}/ko-app/${component}" ];
    Env = [ "KO_DATA_PATH=${app}/var/run/ko" ];
    User = "65532:65532";
    Labels = { "org.opencontainers.image.title" = "knative-${component}"; };
  };
  extraFiles = {
    "etc/passwd" = "root:x:0:0:root:/:/bin/false\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n";
    "etc/group" = "root:x:0:\nnonroot:x:65532:\n";
  };
}
