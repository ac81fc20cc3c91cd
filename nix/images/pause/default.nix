# The pod sandbox ("pause") image that local clusters' containerd runs for every pod:
#   nix-image build nix/images/pause --push 127.0.0.1:5000/iwp/pause:1.0
# A static binary of pause.c, built with the host's C compiler (no <nixpkgs> needed) or with
# nixpkgs' static toolchain when a channel is there.
{ pkgs ? (let try = builtins.tryEval (import <nixpkgs> { }); in if try.success then try.value else null) }:
let
  inherit (import ../../lib/image.nix) mkImage;
  pause =
    if pkgs != null then
      pkgs.pkgsStatic.stdenv.mkDerivation {
        name = "pause-1.0";
        src = ./pause.c;
        dontUnpack = true;
        buildPhase = "$CC -Os -o pause $src";
        installPhase = "install -D -m 0555 pause $out/bin/pause";
      }
    else
      derivation {
        name = "pause-1.0";
        system = builtins.currentSystem;
        builder = "/bin/sh";
        PATH = "/bin:/usr/bin";
        src = ./pause.c;
        args = [ "-c" "mkdir -p $out/bin && gcc -static -Os -s -o $out/bin/pause $src" ];
      };
in
mkImage {
  name = "iwp/pause";
  tag = "1.0";
  contents = [ pause ];
  config = {
    Entrypoint = [ "${pause}/bin/pause" ];
    Labels = { "org.opencontainers.image.title" = "pause"; };
  };
}
