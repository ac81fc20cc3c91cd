# mkImage: describes an OCI image; `nix-image build` realises the contents, reads their
# closure from the store and writes the layers itself (no image tarball in the store).
#   mkImage {
#     name = "helloworld"; tag = "latest";
#     contents = [ app ];                 # derivations; their closure goes into the image
#     config = { Entrypoint = [ ... ]; Cmd = [ ]; Env = [ "K=V" ]; ExposedPorts = { "8080/tcp" = { }; };
#                WorkingDir = "/"; User = "0:0"; Labels = { }; };
#     extraFiles = { "etc/passwd" = "root:x:0:0::/:/bin/sh\n"; };   # path -> text, in the last layer
#   }
# Evaluates (nix-instantiate --eval --strict --json) to plain JSON: the contents become their
# .drv paths and output paths.
let
  allowedConfig = [ "Entrypoint" "Cmd" "Env" "ExposedPorts" "WorkingDir" "User" "Labels" "StopSignal" "Volumes" ];
  check = field: cond: msg: if cond then true else throw "mkImage: ${field}: ${msg}";
in
{
  mkImage = { name, tag ? "latest", contents ? [ ], config ? { }, extraFiles ? { } }:
    assert check "name" (builtins.isString name && builtins.match "[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*" name != null)
      "expected a lowercase repository name, got ${builtins.toJSON name}";
    assert check "tag" (builtins.isString tag && builtins.match "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}" tag != null)
      "expected a tag ([A-Za-z0-9_.-], at most 128), got ${builtins.toJSON tag}";
    assert check "config" (builtins.all (k: builtins.elem k allowedConfig) (builtins.attrNames config))
      "unknown key among ${builtins.toJSON (builtins.attrNames config)} (allowed: ${builtins.concatStringsSep ", " allowedConfig})";
    assert check "extraFiles" (builtins.all builtins.isString (builtins.attrValues extraFiles)) "every value must be a string";
    {
      apiVersion = "iwp/v1";
      kind = "ImageSpec";
      inherit name tag config extraFiles;
      # not "outPath": toJSON would turn such an attrset into a string
      contents = map (d: { drv = d.drvPath; out = d.outPath; name = d.name; }) contents;
      # the derivations themselves, for nix-build (which writes their .drv files); left out
      # of the JSON evaluation
      drvs = contents;
    };
}
