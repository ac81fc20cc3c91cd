import { Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { prometheusYaml } from '../prometheus.js';

export default class Config extends BaseCommand<typeof Config> {
  static override description = 'print prometheus.yml: the in-cluster one, or with --kubeconfig one for a Prometheus run outside the cluster';
  static override examples = ['<%= config.bin %> config --kubeconfig ~/.kube/config --scrape 127.0.0.1:5050 > prometheus.yml && promtool check config prometheus.yml'];
  static override flags = {
    kubeconfig: Flags.string({ description: 'discover pods through this kubeconfig (Prometheus outside the cluster)', helpValue: 'FILE' }),
    scrape: Flags.string({ description: 'an extra HOST:PORT[/PATH] to scrape as job iwp (a tool\'s /metrics)', multiple: true }),
    'scrape-interval': Flags.string({ description: 'scrape and evaluation interval', default: '15s' }),
  };

  protected async execute() {
    if (!/^\d+(ms|s|m|h)$/.test(this.flags['scrape-interval'])) throw badInput('--scrape-interval', 'a Prometheus duration such as 15s', this.flags['scrape-interval']);
    for (const s of this.flags.scrape ?? []) {
      if (!/^(https?:\/\/)?[\w.-]+:\d{1,5}(\/\S*)?$/.test(s)) throw badInput('--scrape', 'HOST:PORT[/PATH]', s);
    }
    process.stdout.write(
      prometheusYaml({ ...(this.flags.kubeconfig ? { kubeconfig: this.flags.kubeconfig } : {}), staticTargets: this.flags.scrape ?? [], scrapeInterval: this.flags['scrape-interval'] }),
    );
    return undefined;
  }
}
