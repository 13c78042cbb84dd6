/**
 * Stack credential settings (aws:profile, aws:assumeRoles, shared files) as every SDK client of
 * the program gets them: read and checked from the `aws:` namespace, resolved for real from a
 * temporary shared-credentials file, and role chains assumed through a mocked STS.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { durationSeconds, readAwsCredentialSettings, sdkClientConfig } from '../../components/aws-credentials';
import { ConfigError } from '../../components/config';

const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe('components: stack AWS credential settings', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    for (const key of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  });

  it('reads aws:profile, aws:assumeRoles and the shared files; nothing set gives nothing', () => {
    expect(readAwsCredentialSettings(source({}))).to.deep.equal({});
    const settings = readAwsCredentialSettings(
      source({
        profile: 'student',
        assumeRoles: JSON.stringify([
          { roleArn: 'arn:aws:iam::123456789012:role/a', sessionName: 's', duration: '15m' },
          { roleArn: 'arn:aws:iam::210987654321:role/b', externalId: 'x' },
        ]),
        sharedCredentialsFiles: JSON.stringify(['/tmp/creds']),
      }),
    );
    expect(settings).to.deep.equal({
      profile: 'student',
      assumeRoles: [
        { roleArn: 'arn:aws:iam::123456789012:role/a', sessionName: 's', duration: '15m' },
        { roleArn: 'arn:aws:iam::210987654321:role/b', externalId: 'x' },
      ],
      sharedCredentialsFiles: ['/tmp/creds'],
    });
  });

  it('names the key and what was expected for a bad setting', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ assumeRoles: '{"roleArn":"x"}' }, /^config aws:assumeRoles: expected a list/],
      [{ assumeRoles: '[{"roleArn":"deployer"}]' }, /^config aws:assumeRoles\[0\]\.roleArn: expected an IAM role ARN/],
      [
        { assumeRoles: '[{"roleArn":"arn:aws:iam::123456789012:role/a","duration":"an hour"}]' },
        /^config aws:assumeRoles\[0\]\.duration: expected a duration such as 1h or 15m, got 'an hour'$/,
      ],
      [{ sharedConfigFiles: '[1]' }, /^config aws:sharedConfigFiles: expected a list of file paths$/],
    ];
    for (const [values, pattern] of cases) {
      expect(() => readAwsCredentialSettings(source(values)), JSON.stringify(values)).to.throw(ConfigError, pattern);
    }
    expect(durationSeconds('1h30m', 'x')).to.equal(5400);
    expect(durationSeconds('900s', 'x')).to.equal(900);
  });

  it('an SDK client resolves the keys of aws:profile from the shared credentials file, not the environment', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-creds-'));
    const file = path.join(dir, 'credentials');
    fs.writeFileSync(
      file,
      '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n[student]\naws_access_key_id = AKIASTUDENT\naws_secret_access_key = s\n',
    );
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'e';
    const config = sdkClientConfig('eu-west-1', { profile: 'student', sharedCredentialsFiles: [file] });
    const client = new STSClient(config);
    const credentials = await client.config.credentials();
    expect(credentials.accessKeyId).to.equal('AKIASTUDENT');
    expect(await client.config.region()).to.equal('eu-west-1');
    // Without settings, the environment's chain applies as before.
    const plain = new STSClient(sdkClientConfig('eu-west-1', undefined));
    expect((await plain.config.credentials()).accessKeyId).to.equal('AKIAFROMENV');
  });

  it('aws:assumeRoles: each role is assumed in order with the credentials of the one before; clients get the last one', async () => {
    const sts = mockClient(STSClient);
    try {
      let n = 0;
      sts.on(AssumeRoleCommand).callsFake(() => {
        n++;
        return {
          Credentials: { AccessKeyId: `AKIAROLE${n}`, SecretAccessKey: `secret${n}`, SessionToken: `token${n}`, Expiration: new Date(Date.now() + 3_600_000) },
        };
      });
      const config = sdkClientConfig('us-west-2', {
        assumeRoles: [
          { roleArn: 'arn:aws:iam::123456789012:role/first', sessionName: 'ci', duration: '15m' },
          { roleArn: 'arn:aws:iam::210987654321:role/second', externalId: 'ext-1' },
        ],
      });
      const credentials = await config.credentials!();
      expect(credentials).to.deep.include({ accessKeyId: 'AKIAROLE2', secretAccessKey: 'secret2', sessionToken: 'token2' });
      const calls = sts.commandCalls(AssumeRoleCommand);
      expect(calls.map((c) => c.args[0].input)).to.deep.equal([
        { RoleArn: 'arn:aws:iam::123456789012:role/first', RoleSessionName: 'ci', DurationSeconds: 900 },
        { RoleArn: 'arn:aws:iam::210987654321:role/second', RoleSessionName: 'lakehouse-pulumi', ExternalId: 'ext-1' },
      ]);
      // The second AssumeRole is signed with the first role's credentials.
      const second = calls[1].thisValue as STSClient;
      expect((await second.config.credentials()).accessKeyId).to.equal('AKIAROLE1');
      // Cached until it nears expiry: a second request assumes nothing new.
      await config.credentials!();
      expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(2);
    } finally {
      sts.restore();
    }
  });
});
