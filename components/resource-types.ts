/**
 * The one type-token scheme of the program's components: `lakehouse:index:<ClassName>`, the
 * form Pulumi uses for a package's top-level types.
 *
 * A component's type token is part of the URN of the component and of every child under it,
 * so changing it without an alias makes Pulumi delete and re-create everything below it,
 * kept buckets included. Every token a component carried before is therefore listed here and
 * becomes an alias: existing stacks move to the new URNs without touching a resource.
 */
import * as pulumi from '@pulumi/pulumi';

export const COMPONENT_TYPE_PREFIX = 'lakehouse:index:';

/** The components of the program, by class name. */
export type ComponentName = 'EventSource' | 'SecureBucket' | 'MedallionLakehouse' | 'EtlPipeline' | 'EtlStarter' | 'QueryLayer' | 'OperationsDashboard';

/** Type tokens a component was registered under in earlier versions of this program. */
export const FORMER_TYPE_TOKENS: Readonly<Record<ComponentName, readonly string[]>> = {
  EventSource: [],
  SecureBucket: ['lakehouse:storage:SecureBucket'],
  MedallionLakehouse: [],
  EtlPipeline: [],
  EtlStarter: [],
  QueryLayer: [],
  OperationsDashboard: ['lakehouse:monitoring:OperationsDashboard'],
};

/** `lakehouse:index:<name>`. */
export function componentType(name: ComponentName): string {
  return `${COMPONENT_TYPE_PREFIX}${name}`;
}

/**
 * The caller's options plus one alias per former type token of `name` (the caller's own
 * aliases are kept). Children inherit their parent's aliases, so they move with it.
 */
export function withFormerTypes(name: ComponentName, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
  const former = FORMER_TYPE_TOKENS[name].map((type) => ({ type }));
  if (former.length === 0) return opts ?? {};
  return { ...opts, aliases: [...(opts?.aliases ?? []), ...former] };
}
