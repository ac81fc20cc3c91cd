import { Args, Flags } from '@oclif/core';
import { ErrorCode, IwpError, badInput, clusterConfig, parseDuration } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { serviceDocument } from '../document.js';
import { namespaceFlag, trafficFlags, waitFlags } from '../cli/flags.js';
import { hasTrafficFlags, planTraffic } from '../traffic.js';
import { waitReady } from '../wait.js';

export default class Traffic extends BaseCommand<typeof Traffic> {
  static override description = "split, tag or roll back a service's traffic (spec.traffic only; the template is untouched)";
  static override examples = [
    '<%= config.bin %> traffic hello --traffic hello-00001=10,@latest=90',
    '<%= config.bin %> traffic hello --tag hello-00002=candidate --untag old',
    '<%= config.bin %> traffic hello --traffic hello-00001=100   # roll back',
  ];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = {
    ...clusterFlags,
    ...namespaceFlag,
    ...trafficFlags,
    untag: Flags.string({ description: 'remove a tag', multiple: true }),
    ...waitFlags,
  };

  protected async execute() {
    const f = this.flags;
    if (!hasTrafficFlags(f)) throw badInput('--traffic', 'at least one of --traffic, --tag, --untag');
    const ns = f.namespace ?? 'default';
    const timeoutMs = parseDuration(f['wait-timeout'], '--wait-timeout');
    const errorWindowMs = parseDuration(f['wait-window'], '--wait-window');
    const kn = new Knative(await clusterConfig(f));
    const [svc, revs] = await Promise.all([kn.getService(ns, this.args.name), kn.listRevisions(ns, this.args.name)]);
    const current = svc.spec?.traffic ?? svc.status?.traffic?.map(({ revisionName, latestRevision, percent, tag }) => ({ revisionName, latestRevision, percent, tag }));
    const traffic = planTraffic(current ?? [{ latestRevision: true, percent: 100 }], f, revs.map((r) => r.metadata.name));
    let updated;
    try {
      // conditional on the version read: a concurrent change is a conflict, not a lost update
      updated = await kn.setTraffic(ns, this.args.name, traffic, svc.metadata.resourceVersion);
    } catch (err) {
      if ((err as { code?: number }).code === 409) throw new IwpError(ErrorCode.CONFLICT, `service ${ns}/${this.args.name} changed while its traffic was being set; run again`);
      throw err;
    }
    this.logger.info(`traffic of ${ns}/${this.args.name}: ${traffic.map((t) => `${t.latestRevision ? '@latest' : t.revisionName}=${t.percent ?? 0}${t.tag ? ` (${t.tag})` : ''}`).join(', ')}`);
    if (!f.wait) return serviceDocument(updated);
    const [ready] = await waitReady(kn, [{ namespace: ns, name: this.args.name }], {
      timeoutMs, errorWindowMs, generations: new Map([[`${ns}/${this.args.name}`, updated.metadata.generation ?? 0]]),
    });
    return serviceDocument(ready!);
  }
}
