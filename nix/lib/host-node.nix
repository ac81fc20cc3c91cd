# The host's node binary and the shared libraries it links, copied into the store, with the
# ELF interpreter, and a wrapper run by a static busybox sh (Debian busybox-static), so it
# runs inside a container from the store alone. For
# machines without a nixpkgs channel; with nixpkgs use pkgs.nodejs instead.
derivation {
  name = "host-node";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  PATH = "/bin:/usr/bin";
  args = [ "-c" ''
    set -e
    src=$(readlink -f "$(command -v node)")
    mkdir -p $out/bin $out/lib
    cp "$src" $out/lib/node.real
    interp=$(readelf -l "$src" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    cp -L "$interp" $out/lib/ld.so
    ldd "$src" | awk '/=> \//{print $3}' | while read -r l; do cp -L "$l" $out/lib/; done
    cp /bin/busybox $out/lib/sh
    printf '#!%s/lib/sh\nexec %s/lib/ld.so --library-path %s/lib %s/lib/node.real "$@"\n' "$out" "$out" "$out" "$out" > $out/bin/node
    chmod +x $out/bin/node
  '' ];
}
