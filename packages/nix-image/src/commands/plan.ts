import { Args, Flags } from '@oclif/core';
import { API_VERSION, renderTable, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { checkMaxLayers, planLayers } from '../build.js';
import { evalSpec, realisedClosure } from '../spec.js';

export default class Plan extends BaseCommand<typeof Plan> {
  static override description = 'the layer plan of an image: which store paths go in which layer, and their sizes';
  static override examples = ['<%= config.bin %> plan nix/images/helloworld', '<%= config.bin %> plan ./image.nix --lock layers.lock.json'];
  static override args = { image: Args.string({ required: true, description: 'a .nix file or a directory with default.nix' }) };
  static override flags = {
    attr: Flags.string({ char: 'A', description: 'attribute of the file' }),
    'max-layers': Flags.integer({ description: 'at most this many layers (2..127)', default: 100 }),
    lock: Flags.string({ description: 'layer-plan lockfile: the plan follows it when it exists, and it is (re)written', helpValue: 'FILE' }),
  };

  protected async execute() {
    const max = checkMaxLayers(this.flags['max-layers']);
    const spec = await evalSpec(runProcess, this.args.image, this.flags.attr);
    const { infos } = await realisedClosure(runProcess, spec);
    const size = new Map(infos.map((i) => [i.path, i.narSize]));
    const groups = await planLayers(infos, max, this.flags.lock);
    const layers = groups.map((g, i) => ({ layer: i + 1, storePaths: g, size: g.reduce((s, p) => s + (size.get(p) ?? 0), 0) }));
    layers.push({ layer: groups.length + 1, storePaths: [], size: 0 });
    return { apiVersion: API_VERSION, kind: 'LayerPlan', image: spec.name, maxLayers: max, ...(this.flags.lock ? { lock: this.flags.lock } : {}), layers, totalSize: infos.reduce((s, i) => s + i.narSize, 0) };
  }

  protected override renderText(result: unknown): string {
    const r = result as { layers: Array<{ layer: number; storePaths: string[]; size: number }> };
    return renderTable(r.layers.map((l) => ({ layer: l.layer, size: l.size, paths: l.storePaths.length ? l.storePaths.join(' ') : '(symlinks and extraFiles)' })), ['layer', 'size', 'paths']);
  }
}
