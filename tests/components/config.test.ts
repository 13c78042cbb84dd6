import { expect } from 'chai';
import { ConfigError, loadStackConfig } from '../../components/config';
import { bucketName, databaseName, glueId, maxStudentIdLength, MAX_BUCKET_NAME_LENGTH, studentIdProblem } from '../../components/naming';

const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const load = (values: Record<string, string> = {}, stack = 'dev') => loadStackConfig(source(values), stack);
const loadError = (values: Record<string, string>, stack = 'dev'): ConfigError => {
  try {
    load(values, stack);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(values)}`);
};

describe('components: stack config', () => {
  it('applies the documented defaults; studentId defaults to the stack name', () => {
    const cfg = load({}, 'jdoe-01');
    expect(cfg).to.deep.equal({
      studentId: 'jdoe-01',
      iamMode: 'labRole',
      labRoleName: 'LabRole',
      existingSourceBucket: undefined,
      generatorEnabled: true,
      generatorSchedule: 'rate(5 minutes)',
      minEvents: 500000,
      maxEvents: 750000,
      duplicateRate: 0,
      etlSchedule: 'cron(0 * * * ? *)',
      glueVersion: '5.0',
      workerType: 'G.1X',
      numberOfWorkers: 2,
      executionClass: 'STANDARD',
      jobTimeoutMinutes: 60,
      etlMaxFilesPerRun: 24,
      bytesScannedCutoffPerQuery: 10737418240,
      sourceRetentionDays: 30,
      destroyData: false,
      adoptKeptBuckets: true,
      alarmEmail: undefined,
      validation: 'enabled',
      validationTimeoutSeconds: 300,
      validationJobWaitSeconds: 3600,
      validationWindowDays: 1,
      validationTrigger: '',
    });
  });

  it("keeps a user's false and 0-like values (no || defaults)", () => {
    const cfg = load({ generatorEnabled: 'false', destroyData: 'true', duplicateRate: '0', etlSchedule: 'off', source: 'my-starter-bucket' });
    expect(cfg.generatorEnabled).to.equal(false);
    expect(cfg.destroyData).to.equal(true);
    expect(cfg.duplicateRate).to.equal(0);
    expect(cfg.etlSchedule).to.equal(undefined);
    expect(cfg.existingSourceBucket).to.equal('my-starter-bucket');
  });

  it('rejects a studentId with characters outside ^[a-z0-9-]+$, naming studentId and the pattern', () => {
    for (const bad of ['JDoe', 'j_doe', 'j.doe', 'jdoe!']) {
      const err = loadError({ studentId: bad });
      expect(err.message).to.match(/^config studentId '.*': expected lowercase letters, digits and hyphens only/);
      expect(err.message).to.include('^[a-z0-9-]+$');
    }
    expect(loadError({}, 'Dev_Stack').message).to.include("studentId 'Dev_Stack'");
  });

  it('rejects a studentId whose bucket names would exceed 63 characters with a 12-digit account id', () => {
    const longest = 'a'.repeat(maxStudentIdLength());
    expect(load({ studentId: longest }).studentId).to.equal(longest);
    expect(bucketName('analytics', longest, '123456789012')).to.have.length(MAX_BUCKET_NAME_LENGTH);
    expect(bucketName('source', longest, '123456789012').length).to.be.at.most(MAX_BUCKET_NAME_LENGTH);

    const err = loadError({ studentId: `${longest}b` });
    expect(err.message).to.include('studentId');
    expect(err.message).to.include(`expected at most ${maxStudentIdLength()} characters`);
    expect(err.message).to.include('capstone-analytics-');
    expect(err.message).to.include('(S3 allows 63)');
  });

  it('rejects leading, trailing and doubled hyphens (invalid in bucket names)', () => {
    for (const bad of ['-jdoe', 'jdoe-', 'j--doe']) expect(loadError({ studentId: bad }).message).to.include('hyphen');
  });

  it('names the key and the expectation for every other bad value', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ iamMode: 'admin' }, /^config iamMode: expected 'labRole' or 'create', got 'admin'$/],
      [{ validation: 'strict' }, /^config validation: expected 'enabled', 'warn' or 'off', got 'strict'$/],
      [{ validationTimeoutSeconds: '0' }, /^config validationTimeoutSeconds: expected an integer in 1..3600, got '0'$/],
      [{ source: 'Not_A_Bucket' }, /^config source: expected 'create' or the name of an existing S3 bucket/],
      [{ generatorEnabled: 'yes' }, /^config generatorEnabled: expected true or false, got 'yes'$/],
      [{ generatorSchedule: 'every 5 minutes' }, /^config generatorSchedule: expected an EventBridge schedule/],
      [{ minEvents: '0' }, /^config minEvents: expected an integer in 1\.\./],
      [{ minEvents: '100', maxEvents: '99' }, /^config maxEvents: expected at least minEvents \(100\), got '99'$/],
      [{ maxEvents: '2.5' }, /^config maxEvents: expected an integer/],
      [{ duplicateRate: '1' }, /^config duplicateRate: expected a number in \[0, 1\), got '1'$/],
      [{ duplicateRate: 'abc' }, /^config duplicateRate: expected a number in \[0, 1\)/],
      [
        { etlSchedule: 'every 15 minutes' },
        /^config etlSchedule: expected an EventBridge schedule such as cron\(0\/15 \* \* \* \? \*\) or rate\(15 minutes\), or 'off'/,
      ],
      [{ adoptKeptBuckets: 'maybe' }, /^config adoptKeptBuckets: expected true or false, got 'maybe'$/],
      [{ validationJobWaitSeconds: '-5' }, /^config validationJobWaitSeconds: expected an integer in 0\.\.7200, got '-5'$/],
      [{ validationWindowDays: '0' }, /^config validationWindowDays: expected an integer in 1\.\.366, got '0'$/],
      [{ glueVersion: '2.0' }, /^config glueVersion: expected a Glue version/],
      [{ workerType: 'Standard' }, /^config workerType: expected one of G\.1X/],
      [{ numberOfWorkers: '1' }, /^config numberOfWorkers: expected an integer in 2\.\.299, got '1'$/],
      [{ executionClass: 'SPOT' }, /^config executionClass: expected 'STANDARD' or 'FLEX'/],
      [{ executionClass: 'FLEX', workerType: 'G.4X' }, /^config executionClass: expected STANDARD with worker type G\.4X/],
      [{ jobTimeoutMinutes: '0' }, /^config jobTimeoutMinutes: expected an integer in 1\.\.2880/],
      [{ etlMaxFilesPerRun: '0' }, /^config etlMaxFilesPerRun: expected an integer in 1\.\.100000/],
      [{ bytesScannedCutoffPerQuery: '1000' }, /^config bytesScannedCutoffPerQuery: expected an integer in 10485760\.\./],
      [{ sourceRetentionDays: '-1' }, /^config sourceRetentionDays: expected an integer/],
      [{ destroyData: 'TRUE!' }, /^config destroyData: expected true or false/],
      [{ alarmEmail: 'not-an-address' }, /^config alarmEmail: expected an e-mail address or empty/],
      [{ labRoleName: 'Lab Role' }, /^config labRoleName: expected an IAM role name/],
    ];
    for (const [values, pattern] of cases) expect(loadError(values).message, JSON.stringify(values)).to.match(pattern);
  });

  it('accepts FLEX on G.1X/G.2X and other valid schedules', () => {
    expect(load({ executionClass: 'FLEX', workerType: 'G.2X' }).executionClass).to.equal('FLEX');
    expect(load({ generatorSchedule: 'rate(1 minute)' }).generatorSchedule).to.equal('rate(1 minute)');
    expect(load({ generatorSchedule: 'cron(0/5 * * * ? *)' }).generatorSchedule).to.equal('cron(0/5 * * * ? *)');
    expect(load({ etlSchedule: 'cron(0 * * * ? *)' }).etlSchedule).to.equal('cron(0 * * * ? *)');
    expect(load({ etlSchedule: 'rate(15 minutes)' }).etlSchedule).to.equal('rate(15 minutes)');
    expect(load({ adoptKeptBuckets: 'false', validationJobWaitSeconds: '0' })).to.deep.include({ adoptKeptBuckets: false, validationJobWaitSeconds: 0 });
  });
});

describe('components: naming', () => {
  it('derives Glue names with underscores and the contract bucket names', () => {
    expect(glueId('jdoe-01')).to.equal('jdoe_01');
    expect(databaseName('silver', 'jdoe-01')).to.equal('silver_jdoe_01');
    expect(bucketName('source', 'jdoe-01', '123456789012')).to.equal('capstone-events-jdoe-01-123456789012');
    expect(bucketName('analytics', 'jdoe-01', '123456789012')).to.equal('capstone-analytics-jdoe-01-123456789012');
    expect(studentIdProblem('jdoe-01')).to.equal(undefined);
  });
});
