/**
 * The lakehouse policy pack, run by the Pulumi CLI:
 *   pulumi preview --policy-pack policy     (and by the PR workflow through pulumi/actions `policyPacks`)
 *
 * Constructing the PolicyPack starts the analyzer's gRPC server, so nothing but the CLI may import
 * this file; tests import ./policies instead.
 */
import { PolicyPack } from '@pulumi/policy';
import { POLICIES } from './policies';

new PolicyPack('lakehouse-guardrails', {
  description:
    'Encrypted, private, TLS-only buckets; incremental single-run Glue job; enforced, encrypted Athena workgroup; partition projection on every table.',
  enforcementLevel: 'mandatory',
  policies: [...POLICIES],
});
