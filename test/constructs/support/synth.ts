import { App, Chart, Testing } from 'cdk8s';
import { addCharts } from '../../../apps/charts';

/** A synthesized Kubernetes object, loosely typed for assertions. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

/** Synthesizes what `build` adds to a fresh chart. */
export function synth(build: (chart: Chart) => void): K8sObject[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as K8sObject[];
}

/** Every app chart of apps/charts.ts, synthesized in the same App layout as `npm run synth`, by chart id. */
export function synthApps(): Record<string, K8sObject[]> {
  const out: Record<string, K8sObject[]> = {};
  for (const chart of addCharts(new App())) out[chart.node.id] = chart.toJson() as K8sObject[];
  return out;
}

/** The one object of `kind` named `name`; throws if absent. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const hit = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return hit;
}

/** Objects that run pods (have a pod template). */
export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.spec?.template?.spec);
}

/** Every container (init containers included) of a workload. */
export function containersOf(workload: K8sObject): any[] {
  const spec = workload.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** True when every selector label is on the pod. */
export function selects(selector: Record<string, string>, podLabels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => podLabels[k] === v);
}
