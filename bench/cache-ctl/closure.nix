# ~200 MB closure for the push benchmark: four paths of base64 text (compresses like binaries do).
{ nonce ? "0" }:
let
  part = i: derivation {
    name = "bench-part-${toString i}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo ${nonce} > $out; /bin/dd if=/dev/urandom bs=1048576 count=38 2>/dev/null | /usr/bin/base64 >> $out" ];
  };
  parts = map part [ 1 2 3 4 ];
in derivation {
  name = "bench-closure";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo ${builtins.concatStringsSep " " parts} > $out" ];
}
