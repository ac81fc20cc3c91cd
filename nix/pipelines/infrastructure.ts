// The infrastructure pipeline: on a push, build the service image with Nix and push it to
// the registry, push its closure to the binary cache, and deploy it with Knative under the
// state lock. A Brigade v2 script: `pipeline run` / `pipeline serve` run it unchanged.
//
//   pipeline serve --listen 127.0.0.1:8080 --script nix/pipelines/infrastructure.ts \
//     --secret-file webhook.secret --source-dir . --secret-env AWS_SECRET_ACCESS_KEY
//
// Settings (environment of the pipeline process):
//   IWP_REGISTRY       registry to push to (host:port)                    required
//   IWP_IMAGE_SRC      image definition, relative to the checkout          default nix/images/helloworld.nix
//   IWP_IMAGE_REPO     repository in the registry                          default hello
//   IWP_CACHE_URL      binary cache (s3://bucket/prefix): cache-ctl push   skipped when unset
//   IWP_STATE_STACK    remote-state stack that locks the deployment        deploy skipped when unset
//   IWP_SERVICE        Knative service name                                default hello
//   IWP_DEPLOY_BRANCH  only pushes to this branch deploy                   default main
// Jobs run with the process executor in the checkout (`--source-dir`), where bin/ holds the
// iwp tools; they pass the Image document to each other through the run's workspace.
import { events, Job, type Event } from "@brigadecore/brigadier";

const env = (name: string, fallback?: string): string | undefined => process.env[name] || fallback;

/** A shell job in the checkout, with the iwp tools first on PATH. */
function step(name: string, event: Event, script: string, extra: Record<string, string> = {}): Job {
  const job = new Job(name, "iwp/tools", event);
  job.primaryContainer.sourceMountPath = "/src";
  job.primaryContainer.workspaceMountPath = "/workspace";
  job.primaryContainer.command = ["sh", "-euc"];
  job.primaryContainer.arguments = [`export PATH="$IWP_SOURCE/bin:$PATH"\n${script}`];
  job.primaryContainer.environment = extra;
  job.timeoutSeconds = 30 * 60;
  return job;
}

/** Secrets the project was given, for the jobs that talk to S3 and the cluster. */
function credentials(event: Event): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
    const value = event.project.secrets[key];
    if (value) out[key] = value;
  }
  return out;
}

events.on("brigade.sh/github", "push", async (event) => {
  const push = JSON.parse(event.payload ?? "{}") as { ref?: string; after?: string; deleted?: boolean };
  if (push.deleted) return "branch deleted: nothing to build";
  const registry = env("IWP_REGISTRY");
  if (!registry) throw new Error("IWP_REGISTRY is not set: the registry to push the image to");
  const commit = event.worker.git?.commit ?? push.after ?? "";
  const tag = commit ? commit.slice(0, 12) : "latest";
  const target = `${registry}/${env("IWP_IMAGE_REPO", "hello")}:${tag}`;
  const src = env("IWP_IMAGE_SRC", "nix/images/helloworld.nix")!;

  const build = step("build-image", event,
    `nix-image build "$IMAGE_SRC" --push "$TARGET" > "$IWP_WORKSPACE/image.json"\ncat "$IWP_WORKSPACE/image.json"`,
    { IMAGE_SRC: src, TARGET: target });

  const after: Job[] = [];
  const cache = env("IWP_CACHE_URL");
  if (cache) {
    after.push(step("push-cache", event, `cache-ctl push --to "$CACHE" --input "$IWP_WORKSPACE/image.json"`, { CACHE: cache, ...credentials(event) }));
  }
  const stack = env("IWP_STATE_STACK");
  const branch = `refs/heads/${env("IWP_DEPLOY_BRANCH", "main")}`;
  if (stack && push.ref === branch) {
    after.push(step("deploy", event,
      `remote-state exec --stack "$STACK" -- knative-deploy apply --name "$SERVICE" --input "$IWP_WORKSPACE/image.json" --wait`,
      { STACK: stack, SERVICE: env("IWP_SERVICE", "hello")!, ...credentials(event) }));
  }

  await Job.sequence(build, ...(after.length ? [Job.concurrent(...after)] : [])).run();
  return `${target}${after.length ? ` (${after.map((j) => j.name).join(", ")})` : ""}`;
});

events.process();
