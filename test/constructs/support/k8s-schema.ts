/**
 * Validates a synthesized object with kubernetes-models (the JSON Schemas generated from the Kubernetes
 * OpenAPI spec, compiled with ajv). A kind without a model is an error, so nothing escapes validation.
 */
export function validateK8s(obj: { apiVersion: string; kind: string }): void {
  const groupVersion = obj.apiVersion.includes('/') ? obj.apiVersion : `v1`;
  const crdPackage = CRD_MODELS[groupVersion.split('/')[0]];
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(crdPackage ? `${crdPackage}/${groupVersion}/${obj.kind}` : `kubernetes-models/${groupVersion}/${obj.kind}`);
  const Model = mod[obj.kind];
  if (typeof Model !== 'function') throw new Error(`kubernetes-models has no model for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}

/**
 * Custom resources the operations pack creates, validated with the models generated from each project's CRDs
 * (their OpenAPI schemas), by API group.
 */
const CRD_MODELS: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};
