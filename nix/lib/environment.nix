# mkEnvironment: an iwp environment descriptor with defaults filled in and checked.
# Pure builtins (no <nixpkgs> needed); evaluate a descriptor with
#   nix-instantiate --eval --strict --json nix/environments/local.nix
# and `cluster-up create -f` reads the same JSON.
let
  fail = field: msg: throw "environment descriptor: ${field}: ${msg}";
  oneOf = field: allowed: v:
    if builtins.elem v allowed then v
    else fail field "expected one of ${builtins.concatStringsSep ", " allowed}, got ${builtins.toJSON v}";
  isCidr = s: builtins.isString s && builtins.match "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+" s != null;
  cidr = field: v: if isCidr v then v else fail field "expected a CIDR like 10.0.0.0/16, got ${builtins.toJSON v}";
  node = i: n:
    let f = "nodes.${toString i}"; in
    {
      role = oneOf "${f}.role" [ "control-plane" "worker" ] (n.role or "worker");
      count =
        let c = n.count or 1; in
        if builtins.isInt c && c >= 1 then c else fail "${f}.count" "expected an integer >= 1, got ${builtins.toJSON c}";
      # local provider: a real node (kubelet + containerd) or a simulated one (kwok)
      runtime = oneOf "${f}.runtime" [ "containerd" "kwok" ] (n.runtime or "containerd");
      instanceType = n.instanceType or "t3.medium";
      labels = n.labels or { };
      taints = n.taints or [ ];
    };
in
{
  mkEnvironment = env:
    let
      provider = oneOf "provider" [ "local" "kind" "ec2" "vm" ] (env.provider or "local");
      nodes = env.nodes or [ { role = "control-plane"; } { role = "worker"; count = 2; } ];
      network = env.network or { };
    in
    {
      apiVersion = "iwp/v1";
      kind = "Environment";
      name =
        if builtins.isString (env.name or null) && builtins.match "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?" env.name != null
        then env.name
        else fail "name" "expected a DNS label (a-z, 0-9, -), got ${builtins.toJSON (env.name or null)}";
      inherit provider;
      kubernetes = { version = "v1.34.4"; } // (env.kubernetes or { });
      nodes = if builtins.isList nodes && nodes != [ ] then builtins.genList (i: node i (builtins.elemAt nodes i)) (builtins.length nodes)
              else fail "nodes" "expected a non-empty list";
      network = {
        cidr = cidr "network.cidr" (network.cidr or "10.0.0.0/16");
        subnets = map (s: cidr "network.subnets" s) (network.subnets or [ "10.0.1.0/24" "10.0.2.0/24" "10.0.3.0/24" ]);
        adminCidr = cidr "network.adminCidr" (network.adminCidr or "0.0.0.0/0");
      };
      region = env.region or null;
      registry = env.registry or null;
      cache = env.cache or null;
      addons = map (a: oneOf "addons" [ "knative" "monitoring" ] a) (env.addons or [ ]);
    };
}
