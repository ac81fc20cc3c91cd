// The infrastructure pipeline: on a push, build the service image from the pushed commit with
// Nix and push it to the registry, push its closure to the binary cache (signed), then deploy
// it with Knative under the state lock and wait until Ready. A Brigade v2 script:
// `pipeline run` / `pipeline serve` run it unchanged; the run fetches the pushed commit first
// (its checkout is $IWP_SOURCE in every job).
//
//   pipeline serve --listen 127.0.0.1:8080 --script nix/pipelines/infrastructure.ts \
//     --secret-file webhook.secret --secrets project.secrets \
//     --secret-env AWS_ACCESS_KEY_ID --secret-env AWS_SECRET_ACCESS_KEY
//
// Settings (environment of `pipeline serve`; the script reads them, jobs get only what it passes):
//   IWP_REGISTRY       registry to push to (host:port)                     required
//   IWP_IMAGE_SRC      image definition in the checkout                    default nix/images/helloworld
//   IWP_IMAGE_REPO     repository in the registry                          default hello
//   IWP_CACHE_URL      binary cache (s3://bucket[/prefix] or file:///dir)  cache push skipped when unset
//   IWP_STATE_STACK    remote-state stack that locks the deployment        deploy skipped when unset
//   REMOTE_STATE_STORE where that stack lives (s3://... or file:///...)
//   IWP_SERVICE_FILE   service descriptor in the checkout                  default nix/services/hello.nix
//   IWP_SERVICE        service name when the checkout has no descriptor    default hello
//   IWP_DEPLOY_BRANCH  only pushes to this branch deploy                   default main
//   IWP_TOOLS          directory of the iwp tools                          default bin/ of this repository
// Connection settings passed on to jobs as they are: AWS_ENDPOINT_URL(_S3), AWS_REGION,
// AWS_DEFAULT_REGION, KUBECONFIG, DOCKER_CONFIG, NIX_REMOTE, NIX_PATH, XDG_CACHE_HOME,
// REMOTE_STATE_LOCK_TABLE.
// Project secrets (granted to the jobs that need them, masked in logs): AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (cache and state), CACHE_SIGN_KEY (the cache's
// secret key, nix format: written to a temporary file in the job), IWP_REGISTRY_CREDS
// (USER:PASSWORD for the registry).
import { fileURLToPath } from "node:url";
import { events, Job, type Event } from "@brigadecore/brigadier";

const env = (name: string, fallback?: string): string | undefined => process.env[name] || fallback;
const tools = env("IWP_TOOLS", fileURLToPath(new URL("../../bin", import.meta.url)))!;

const CONNECTION = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "KUBECONFIG", "DOCKER_CONFIG",
  "NIX_REMOTE", "NIX_PATH", "XDG_CACHE_HOME", "REMOTE_STATE_LOCK_TABLE"];

function pick(from: Record<string, string | undefined>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (from[n] !== undefined) out[n] = from[n]!;
  return out;
}

/** A shell job in the run's checkout, with the iwp tools first on PATH. */
function step(name: string, event: Event, script: string, extra: Record<string, string>): Job {
  const job = new Job(name, "iwp/tools", event);
  job.primaryContainer.sourceMountPath = "/src";
  job.primaryContainer.workspaceMountPath = "/workspace";
  job.primaryContainer.command = ["sh", "-euc"];
  job.primaryContainer.arguments = [`export PATH="$IWP_TOOLS:$PATH"\ncd "$IWP_SOURCE"\n${script}`];
  job.primaryContainer.environment = { IWP_TOOLS: tools, ...pick(process.env, CONNECTION), ...extra };
  job.timeoutSeconds = 30 * 60;
  return job;
}

const AWS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

events.on("brigade.sh/github", "push", async (event) => {
  const push = JSON.parse(event.payload ?? "{}") as { ref?: string; after?: string; deleted?: boolean };
  if (push.deleted) return "branch deleted: nothing to build";
  const registry = env("IWP_REGISTRY");
  if (!registry) throw new Error("IWP_REGISTRY is not set: the registry to push the image to");
  const secrets = event.project.secrets;
  const commit = event.worker.git?.commit ?? push.after ?? "";
  const target = `${registry}/${env("IWP_IMAGE_REPO", "hello")}:${commit ? commit.slice(0, 12) : "latest"}`;

  const jobs: Job[] = [step("build-image", event,
    `nix-image build "$IMAGE_SRC" --push "$TARGET" > "$IWP_WORKSPACE/image.json"\ncat "$IWP_WORKSPACE/image.json"`,
    { IMAGE_SRC: env("IWP_IMAGE_SRC", "nix/images/helloworld")!, TARGET: target, ...pick(secrets, ["IWP_REGISTRY_CREDS"]) })];

  const cache = env("IWP_CACHE_URL");
  if (cache) {
    if (!secrets.CACHE_SIGN_KEY) throw new Error("IWP_CACHE_URL is set but the project has no CACHE_SIGN_KEY secret to sign the cache with");
    jobs.push(step("push-cache", event,
      `key=$(mktemp)\ntrap 'rm -f "$key"' EXIT\nprintf '%s\\n' "$CACHE_SIGN_KEY" > "$key"\n` +
      `cache-ctl push - --to "$CACHE" --sign-key "$key" < "$IWP_WORKSPACE/image.json"`,
      { CACHE: cache, ...pick(secrets, [...AWS, "CACHE_SIGN_KEY"]) }));
  }

  const stack = env("IWP_STATE_STACK");
  if (stack && push.ref === `refs/heads/${env("IWP_DEPLOY_BRANCH", "main")}`) {
    // the stack's state becomes the deployed KnativeService document, so its history lists the deploys
    jobs.push(step("deploy", event,
      `if [ -f "$SERVICE_FILE" ]; then service="-f $SERVICE_FILE"; else service="--name $SERVICE"; fi\n` +
      `remote-state exec --stack "$STACK" --reason "deploy $COMMIT" --wait 10m -- sh -euc ` +
      `'knative-deploy apply $0 --input "$IWP_WORKSPACE/image.json" --wait > "$REMOTE_STATE_FILE.new"; mv "$REMOTE_STATE_FILE.new" "$REMOTE_STATE_FILE"; cat "$REMOTE_STATE_FILE"' "$service"`,
      { STACK: stack, COMMIT: commit, SERVICE_FILE: env("IWP_SERVICE_FILE", "nix/services/hello.nix")!, SERVICE: env("IWP_SERVICE", "hello")!,
        ...pick(process.env, ["REMOTE_STATE_STORE"]), ...pick(secrets, AWS) }));
  }

  await Job.sequence(...jobs).run();
  return `${target}${jobs.length > 1 ? ` (${jobs.slice(1).map((j) => j.name).join(", ")})` : ""}`;
});

events.process();
