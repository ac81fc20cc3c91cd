# iwp's ingress for Knative (packages/knative-deploy/src/ingress, bundled into one file by
# esbuild) with node, as the image `knative-deploy install --networking local` runs as a pod:
#   IWP_INGRESS_BUNDLE=~/.cache/iwp/knative/ingress/HASH/ingress.mjs \
#     nix-image build nix/images/knative-ingress --push 127.0.0.1:5000/iwp/ingress
# With <nixpkgs> it uses pkgs.nodejs; without a channel the host's node (nix/lib/host-node.nix).
{ pkgs ? (let try = builtins.tryEval (import <nixpkgs> { }); in if try.success then try.value else null)
, bundle ? builtins.getEnv "IWP_INGRESS_BUNDLE" }:
assert bundle != "" || throw "nix/images/knative-ingress: IWP_INGRESS_BUNDLE: expected the path of the bundled ingress program";
let
  inherit (import ../../lib/image.nix) mkImage;
  node = if pkgs != null then pkgs.nodejs else import ../../lib/host-node.nix;
  app = derivation {
    name = "iwp-ingress";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/bin:/usr/bin";
    src = builtins.path { path = bundle; name = "iwp-ingress.mjs"; };
    args = [ "-c" "mkdir -p $out/lib && cp $src $out/lib/ingress.mjs" ];
  };
in
mkImage {
  name = "iwp/ingress";
  tag = "latest";
  contents = [ app node ];
  config = {
    Entrypoint = [ "${node}/bin/node" "${app}/lib/ingress.mjs" ];
    Env = [ "PORT=8080" "NODE_ENV=production" ];
    ExposedPorts = { "8080/tcp" = { }; };
    User = "65532:65532";
    WorkingDir = "/";
    Labels = { "org.opencontainers.image.title" = "iwp-ingress"; };
  };
  extraFiles = {
    "etc/passwd" = "root:x:0:0:root:/:/bin/false\nnonroot:x:65532:65532:nonroot:/:/bin/false\n";
    "etc/group" = "root:x:0:\nnonroot:x:65532:\n";
  };
}
