# A ~200 MB closure for the benchmark: the host's node (about 100 MB) and 100 MB of data that
# compresses like binaries do (base64 of random bytes).
{ nonce ? builtins.getEnv "IWP_BENCH_NONCE" }:
let
  inherit (import ../../nix/lib/image.nix) mkImage;
  node = import ../../nix/lib/host-node.nix;
  data = derivation {
    name = "bench-data";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "/bin/mkdir $out; for i in 1 2 3 4; do /bin/dd if=/dev/urandom bs=1048576 count=19 2>/dev/null | /usr/bin/base64 > $out/part$i; done; echo ${nonce} > $out/nonce" ];
  };
in
mkImage { name = "bench"; contents = [ node data ]; config.Entrypoint = [ "${node}/bin/node" ]; }
