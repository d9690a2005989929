/**
 * Validates a synthesized object with kubernetes-models (the JSON Schemas generated from the Kubernetes
 * OpenAPI spec, compiled with ajv). A kind without a model is an error, so nothing escapes validation.
 */
export function validateK8s(obj: { apiVersion: string; kind: string }): void {
  const groupVersion = obj.apiVersion.includes('/') ? obj.apiVersion : `v1`;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(`kubernetes-models/${groupVersion}/${obj.kind}`);
  const Model = mod[obj.kind];
  if (typeof Model !== 'function') throw new Error(`kubernetes-models has no model for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}
