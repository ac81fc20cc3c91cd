import { clusterConfig, list, parseDuration, runProcess } from '@iwp/core';
import { BaseCommand, clusterFlags, inputFlag } from '@iwp/core/cli';
import { applyServices, validateRequests } from '../apply.js';
import { Knative } from '../client.js';
import { serviceDocument } from '../document.js';
import { outputFlag, requestsFromFlags, serviceFlags, urlLines, waitFlags } from '../cli/flags.js';

export default class Apply extends BaseCommand<typeof Apply> {
  static override description = 'create or update Knative Services by server-side apply and wait until they are Ready';
  static override examples = [
    'nix-image build nix/images/helloworld --push 127.0.0.1:5000/hello | <%= config.bin %> apply --name hello --scale-min 0 --scale-target 10',
    '<%= config.bin %> apply -f nix/services/hello.nix --image 127.0.0.1:5000/hello@sha256:…',
    '<%= config.bin %> apply --name hello --image 127.0.0.1:5000/hello@sha256:… --traffic @latest=90,hello-00001=10 --tag hello-00001=previous',
  ];
  static override flags = { ...inputFlag, ...clusterFlags, ...serviceFlags, ...waitFlags, ...outputFlag };

  protected async execute() {
    const f = this.flags;
    const reqs = await requestsFromFlags(f, runProcess);
    const timeoutMs = parseDuration(f['wait-timeout'], '--wait-timeout');
    const errorWindowMs = parseDuration(f['wait-window'], '--wait-window');
    validateRequests(reqs);
    const kn = new Knative(await clusterConfig(f));
    const out = await applyServices(kn, reqs, {
      wait: f.wait, timeoutMs, errorWindowMs,
      onApplied: (s) => this.logger.info(`applied ${s.metadata.namespace}/${s.metadata.name} (generation ${s.metadata.generation})${f.wait ? ', waiting until Ready' : ''}`),
      onReady: (s) => this.logger.info(`${s.metadata.namespace}/${s.metadata.name} is Ready: ${s.status?.url ?? ''}`),
    });
    const docs = out.map(serviceDocument);
    return docs.length === 1 ? docs[0] : list('KnativeService', docs);
  }

  protected override print(result: unknown): void {
    if (this.flags.output === 'url') process.stdout.write(urlLines(result));
    else super.print(result, this.flags.output === 'json');
  }

  protected override renderText(result: unknown): string {
    const one = (s: { url?: string; name: string; ready: boolean }) => s.url ?? `${s.name}: ${s.ready ? 'Ready' : 'not Ready'}`;
    const r = result as { items?: { url?: string; name: string; ready: boolean }[] } & { url?: string; name: string; ready: boolean };
    return r.items ? r.items.map((s) => `${s.name}\t${one(s)}`).join('\n') : one(r);
  }
}
