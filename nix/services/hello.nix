# The helloworld service (nix/images/helloworld): scales to zero when idle and adds a pod
# for every 10 requests in flight, at most 10 pods.
#   nix-image build nix/images/helloworld --push 127.0.0.1:5000/hello \
#     | knative-deploy apply -f nix/services/hello.nix
# The image comes from the Image document on stdin (pinned by digest) or --image.
{
  name = "hello";
  env = { TARGET = "iwp"; };
  port = 8080;
  scale = {
    min = 0;
    max = 10;
    target = 10;
    metric = "concurrency";
    window = "60s";
  };
  resources.requests = { cpu = "100m"; memory = "64Mi"; };
}
