# nix-shell: every iwp tool on PATH, plus the clients the test servers need.
# Uses <nixpkgs> when it exists; on a machine with nix and no channel it falls back to a
# plain builtins.derivation whose shellHook sets PATH (the host's node, skopeo, ... are used).
{ pkgs ? (let try = builtins.tryEval (import <nixpkgs> { }); in if try.success then try.value else null) }:
let
  root = toString ./.;
  shellHook = ''
    export IWP_ROOT=${root}
    export PATH=${root}/bin:$PATH
    # kubectl and the control plane built by scripts/k8s/build, when present
    for d in "$HOME"/.cache/iwp/testenv/k8s-*/bin; do [ -d "$d" ] && export PATH="$d:$PATH"; done
    if [ ! -e ${root}/packages/core/dist/index.js ]; then
      echo "iwp: the workspace is not built yet: run ${root}/scripts/bootstrap" >&2
    fi
  '';
in
if pkgs != null then
  pkgs.mkShell {
    packages = with pkgs; [ nodejs_20 pnpm git jq skopeo umoci runc prometheus kubectl awscli2 ];
    inherit shellHook;
  }
else
  derivation {
    name = "iwp-shell";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo iwp-shell > $out" ];
    stdenv = ./nix/lib/shell-stdenv;
    inherit shellHook;
  }
