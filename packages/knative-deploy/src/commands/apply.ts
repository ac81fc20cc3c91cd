import { Flags } from '@oclif/core';
import { badInput, BaseCommand, clusterConfig, clusterFlags, inputFlag, kubeClientNode, readDocument, serverSideApply } from '@iwp/core';
import { GROUP, getService, imageFromDocument, parseTraffic, serviceManifest, toDocument, waitReady } from '../service.js';

const dns = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export default class Apply extends BaseCommand<typeof Apply> {
  static override description = 'create or update a Knative Service (server-side apply) and wait until it is Ready';
  static override examples = [
    'nix-image build nix/images/helloworld --push 127.0.0.1:5000/hello | <%= config.bin %> apply --name hello --scale-min 0 --scale-target 10',
    '<%= config.bin %> apply --name hello --image 127.0.0.1:5000/hello@sha256:… --traffic @latest=90,hello-00001=10',
  ];
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    name: Flags.string({ char: 'n', description: 'service name', required: true }),
    namespace: Flags.string({ description: 'namespace', default: 'default' }),
    image: Flags.string({ description: 'image reference (else the Image document on stdin)' }),
    env: Flags.string({ char: 'e', description: 'environment variable NAME=VALUE', multiple: true }),
    port: Flags.integer({ description: 'container port' }),
    'scale-min': Flags.integer({ description: 'minimum pods (0 = scale to zero)' }),
    'scale-max': Flags.integer({ description: 'maximum pods (0 = unlimited)' }),
    'scale-target': Flags.integer({ description: 'concurrent requests per pod the autoscaler aims for' }),
    'concurrency-limit': Flags.integer({ description: 'hard limit of requests in flight per pod (0 = none)' }),
    traffic: Flags.string({ description: 'traffic split REVISION=PERCENT,@latest=PERCENT', multiple: true }),
    tag: Flags.string({ description: 'tag a revision REVISION=TAG (@latest=TAG)', multiple: true }),
    wait: Flags.boolean({ description: 'wait until Ready', default: true, allowNo: true }),
    'wait-timeout': Flags.integer({ description: 'seconds to wait', default: 300 }),
  };

  protected async execute() {
    const f = this.flags;
    if (!dns.test(f.name) || f.name.length > 63) throw badInput('--name', 'a DNS label', f.name);
    for (const k of ['scale-min', 'scale-max', 'scale-target', 'concurrency-limit', 'port'] as const) {
      if (f[k] !== undefined && f[k]! < 0) throw badInput(`--${k}`, 'a number >= 0', f[k]);
    }
    if (f['scale-min'] !== undefined && f['scale-max'] && f['scale-min'] > f['scale-max']) throw badInput('--scale-min', `at most --scale-max (${f['scale-max']})`, f['scale-min']);
    const env: Record<string, string> = {};
    for (const e of f.env ?? []) {
      const i = e.indexOf('=');
      if (i <= 0) throw badInput('--env', 'NAME=VALUE', e);
      env[e.slice(0, i)] = e.slice(i + 1);
    }
    const traffic = parseTraffic(f.traffic ?? [], f.tag ?? []);
    let image = f.image;
    if (!image) {
      const doc = await readDocument({ accept: ['Image'], inputFile: f.input });
      if (!doc) throw badInput('--image', 'an image reference, or an Image document on stdin');
      image = imageFromDocument(doc);
    }
    const kc = await clusterConfig(f);
    const k8s = kubeClientNode();
    const manifest = serviceManifest({
      name: f.name, namespace: f.namespace, image, env, port: f.port, minScale: f['scale-min'], maxScale: f['scale-max'],
      target: f['scale-target'], concurrencyLimit: f['concurrency-limit'], traffic,
    });
    await serverSideApply(k8s.KubernetesObjectApi.makeApiClient(kc), [manifest], {}, kc.makeApiClient(k8s.CustomObjectsApi));
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.logger.info(`applied ${GROUP} service ${f.namespace}/${f.name}${f.wait ? ', waiting until Ready' : ''}`);
    const svc = f.wait ? await waitReady(api, f.namespace, f.name, f['wait-timeout'] * 1000) : await getService(api, f.namespace, f.name);
    return toDocument(svc);
  }

  protected override renderText(result: unknown): string {
    const s = result as { url?: string; name: string; ready: boolean };
    return s.url ?? `${s.name}: ${s.ready ? 'Ready' : 'not Ready'}`;
  }
}
