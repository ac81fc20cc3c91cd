# The helloworld-nodejs sample as an iwp image:
#   nix-image build nix/images/helloworld --push 127.0.0.1:5000/helloworld:latest
# With <nixpkgs> it uses pkgs.nodejs; without a channel it packages the host's node and the
# shared libraries it links into the store (nix/lib/host-node.nix), so it builds anywhere.
{ pkgs ? (let try = builtins.tryEval (import <nixpkgs> { }); in if try.success then try.value else null) }:
let
  inherit (import ../../lib/image.nix) mkImage;
  node = if pkgs != null then pkgs.nodejs else import ../../lib/host-node.nix;
  app = derivation {
    name = "helloworld-1.0.0";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/bin:/usr/bin";
    inherit node;
    server = ./server.js;
    args = [ "-c" ''
      mkdir -p $out/bin $out/lib/helloworld
      cp $server $out/lib/helloworld/server.js
      printf '#!%s/bin/node\nrequire("%s/lib/helloworld/server.js");\n' "$node" "$out" > $out/bin/helloworld
      chmod +x $out/bin/helloworld
    '' ];
  };
in
mkImage {
  name = "helloworld";
  tag = "latest";
  contents = [ app node ];
  config = {
    Entrypoint = [ "${node}/bin/node" "${app}/lib/helloworld/server.js" ];
    Env = [ "PORT=8080" "TARGET=World" ];
    ExposedPorts = { "8080/tcp" = { }; };
    WorkingDir = "/";
    Labels = { "org.opencontainers.image.title" = "helloworld"; };
  };
  extraFiles = {
    "etc/passwd" = "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n";
    "etc/group" = "root:x:0:\nnobody:x:65534:\n";
  };
}
