/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and Pulumi's mock monitor requests are untyped; tests index into them freely. */
/**
 * A reusable harness for testing Pulumi programs and components under
 * `pulumi.runtime.setMocks` (no CLI, no credentials).
 *
 * It records every registered resource with its type, name, inputs, provider reference,
 * parent URN and retainOnDelete flag. `MockResourceArgs` (what `newResource` receives) carries
 * no parent, so the harness also wraps the mock monitor's `registerResource`, whose request has
 * the parent URN: that is how tests assert "every child has its component as parent".
 *
 * Usage:
 *   const mocks = await installMocks({ config: { 'lakehouse:studentId': 'jdoe' } });
 *   const { EventSource } = await import('../../components/event-source');   // after installMocks
 *   new EventSource(...);
 *   await mocks.settle();
 *   mocks.ofType('aws:s3/bucket:Bucket') ...
 */
import * as pulumi from '@pulumi/pulumi';

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the provider would see them (Outputs resolved, assets as Asset objects). */
  readonly inputs: Record<string, any>;
  readonly urn: string;
  /** URN of the parent resource ('' for none, i.e. the root stack). */
  readonly parentUrn: string;
  /** Provider reference `<provider urn>::<provider id>`, '' for the default provider. */
  readonly provider: string;
  readonly custom: boolean;
  readonly retainOnDelete: boolean;
  readonly dependencies: readonly string[];
  /** The `import` resource option: the id of an existing cloud resource to adopt ('' for none). */
  readonly importId: string;
  /** Former type tokens given as aliases (`{ type }` alias specs). */
  readonly aliasTypes: readonly string[];
}

export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
}

export interface MockOptions {
  readonly project?: string;
  readonly stack?: string;
  /** Full config keys, e.g. `{ 'aws:region': 'us-west-2', 'lakehouse:studentId': 'jdoe' }`. */
  readonly config?: Record<string, string>;
  /** Account id returned by aws.getCallerIdentity. @default '123456789012' */
  readonly accountId?: string;
  /** Extra or overriding results of invokes (data sources), by token. */
  readonly calls?: Record<string, (inputs: Record<string, any>) => Record<string, unknown>>;
}

export const MOCK_ACCOUNT_ID = '123456789012';

/** The records of one mocked run; `reset()` between tests that build new resources. */
export class MockRecorder {
  public readonly resources: RecordedResource[] = [];
  public readonly calls: RecordedCall[] = [];

  reset(): void {
    this.resources.length = 0;
    this.calls.length = 0;
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The single resource of a type (optionally with a name); fails naming what was found. */
  one(type: string, name?: string): RecordedResource {
    const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ''}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`);
    }
    return found[0];
  }

  byUrn(urn: string): RecordedResource | undefined {
    return this.resources.find((r) => r.urn === urn);
  }

  parentOf(r: RecordedResource): RecordedResource | undefined {
    return r.parentUrn ? this.byUrn(r.parentUrn) : undefined;
  }

  childrenOf(r: RecordedResource): RecordedResource[] {
    return this.resources.filter((c) => c.parentUrn === r.urn);
  }

  /** Resources of AWS packages (custom resources of the aws provider, providers excluded). */
  awsResources(): RecordedResource[] {
    return this.resources.filter((r) => r.custom && r.type.startsWith('aws:') && !r.type.startsWith('pulumi:providers:'));
  }

  /** Waits until every pending registration and invoke has reached the mock monitor. */
  async settle(): Promise<void> {
    const settings = require('@pulumi/pulumi/runtime/settings') as { waitForRPCs?: () => Promise<void> };
    if (typeof settings.waitForRPCs !== 'function') throw new Error('@pulumi/pulumi no longer exposes runtime/settings.waitForRPCs');
    await settings.waitForRPCs();
  }
}

/** Default invoke results for the data sources the program uses. */
function defaultCalls(accountId: string): NonNullable<MockOptions['calls']> {
  return {
    'aws:index/getCallerIdentity:getCallerIdentity': () => ({
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/voclabs/student`,
      userId: 'AROAEXAMPLE:student',
      id: accountId,
    }),
    'aws:iam/getRole:getRole': (inputs) => ({
      name: inputs.name,
      arn: `arn:aws:iam::${accountId}:role/${inputs.name}`,
      id: inputs.name,
    }),
  };
}

/** Plausible outputs so names and ARNs flow through the program like in a real deployment. */
function mockState(type: string, name: string, inputs: Record<string, any>, accountId: string): Record<string, unknown> {
  const [pkg, mod] = type.split(':');
  const service = (mod ?? '').split('/')[0];
  const physicalName: string = inputs.name ?? inputs.bucket ?? name;
  const state: Record<string, unknown> = { ...inputs };
  if (pkg === 'aws') {
    state.arn =
      type === 'aws:s3/bucket:Bucket'
        ? `arn:aws:s3:::${physicalName}`
        : type === 'aws:cloudwatch/logGroup:LogGroup'
          ? `arn:aws:logs:us-west-2:${accountId}:log-group:${physicalName}`
          : type === 'aws:iam/role:Role'
            ? `arn:aws:iam::${accountId}:role/${physicalName}`
            : `arn:aws:${service}:us-west-2:${accountId}:${physicalName}`;
    if (type === 'aws:s3/bucket:Bucket') state.bucket = physicalName;
    if (inputs.name === undefined && type !== 'aws:s3/bucketObjectv2:BucketObjectv2') state.name = physicalName;
  }
  return state;
}

/**
 * Installs the mocks (replacing any earlier ones) and returns the recorder. Import the code
 * under test after this call: Pulumi reads the monitor when resources are constructed.
 */
export async function installMocks(opts: MockOptions = {}): Promise<MockRecorder> {
  const recorder = new MockRecorder();
  const accountId = opts.accountId ?? MOCK_ACCOUNT_ID;
  const calls = { ...defaultCalls(accountId), ...(opts.calls ?? {}) };
  const pending = new Map<string, Omit<RecordedResource, 'inputs'> & { inputs?: Record<string, unknown> }>();

  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => {
        const inputs = args.inputs as Record<string, unknown>;
        const key = `${args.type}::${args.name}`;
        const meta = pending.get(key);
        pending.delete(key);
        recorder.resources.push({
          type: args.type,
          name: args.name,
          inputs,
          urn: meta?.urn ?? '',
          parentUrn: meta?.parentUrn ?? '',
          provider: args.provider ?? '',
          custom: args.custom ?? false,
          retainOnDelete: meta?.retainOnDelete ?? false,
          dependencies: meta?.dependencies ?? [],
          importId: meta?.importId ?? '',
          aliasTypes: meta?.aliasTypes ?? [],
        });
        // Like AWS, a bucket's id is its name; other custom resources get `<name>-id`.
        const id = args.type === 'aws:s3/bucket:Bucket' ? String(inputs.bucket ?? args.name) : `${args.name}-id`;
        return { id: args.custom ? id : (undefined as unknown as string), state: mockState(args.type, args.name, inputs, accountId) };
      },
      call: (args: pulumi.runtime.MockCallArgs) => {
        recorder.calls.push({ token: args.token, inputs: args.inputs, provider: args.provider });
        const handler = calls[args.token];
        return handler ? handler(args.inputs) : args.inputs;
      },
    },
    opts.project ?? 'lakehouse',
    opts.stack ?? 'dev',
    false,
  );
  pulumi.runtime.setAllConfig(opts.config ?? {});

  // Capture what MockResourceArgs lacks (parent, retainOnDelete, dependencies) from the request.
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const type: string = req.getType();
    const name: string = req.getName();
    const parentUrn: string = req.getParent();
    pending.set(`${type}::${name}`, {
      type,
      name,
      urn: monitor.newUrn(parentUrn, type, name),
      parentUrn,
      provider: req.getProvider(),
      custom: req.getCustom(),
      retainOnDelete: req.getRetainondelete?.() ?? false,
      dependencies: req.getDependenciesList(),
      importId: req.getImportid?.() ?? '',
      aliasTypes: (req.getAliasesList?.() ?? []).map((alias: any) => alias.getSpec?.()?.getType?.() ?? '').filter((type: string) => type !== ''),
    });
    return original(req, callback);
  };
  return recorder;
}

/** Resolves an Output (or plain value) to its value; unknown values resolve to undefined. */
export function outputOf<T>(value: pulumi.Input<T> | undefined): Promise<T> {
  return new Promise<T>((resolve) => pulumi.output(value as pulumi.Input<T>).apply((v) => resolve(v as T)));
}
