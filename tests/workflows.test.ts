/**
 * The GitHub Actions workflows, parsed as YAML: triggers, permissions, jobs and the commands they
 * run; AWS access only through OIDC; every secret and variable they read is documented.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';

const ROOT = path.join(__dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

function load(file: string): { text: string; doc: Workflow } {
  const text = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
  // yaml 2 parses YAML 1.2 by default, where the key `on` stays a string (1.1 would read `true`).
  return { text, doc: parseYaml(text) as Workflow };
}

const usesAction = (step: Step, action: string) => step.uses?.split('@')[0] === action;
const versionOf = (step: Step) => step.uses?.split('@')[1];
const needsOf = (job: Job) => (Array.isArray(job.needs) ? job.needs : job.needs === undefined ? [] : [job.needs]);

function stepIndex(job: Job, action: string): number {
  const i = job.steps.findIndex((s) => usesAction(s, action));
  expect(i, `step using ${action}`).to.be.at.least(0);
  return i;
}

/** The job's test command and Node version checks shared by both workflows. */
function expectTestJob(job: Job): void {
  const setupNode = job.steps[stepIndex(job, 'actions/setup-node')];
  expect(String(setupNode.with?.['node-version'])).to.equal('22');
  const commands = job.steps.map((s) => s.run?.trim()).filter((r): r is string => r !== undefined);
  expect(commands).to.include('npm ci && npm test');
  expect(stepIndex(job, 'actions/checkout')).to.equal(0);
}

/** OIDC credentials before the Pulumi step, with the role from a secret or variable. */
function expectOidcThenPulumi(job: Job): Step {
  const credsAt = stepIndex(job, 'aws-actions/configure-aws-credentials');
  const pulumiAt = stepIndex(job, 'pulumi/actions');
  expect(credsAt).to.be.lessThan(pulumiAt);
  const creds = job.steps[credsAt];
  expect(versionOf(creds)).to.equal('v4');
  expect(String(creds.with?.['role-to-assume'])).to.match(/^\$\{\{\s*(secrets|vars)\.[A-Z_]+\s*\}\}$/);
  expect(String(creds.with?.['aws-region'])).to.match(/^\$\{\{\s*(secrets|vars)\.[A-Z_]+\s*\}\}$/);
  expect(Object.keys(creds.with ?? {})).to.not.include.members(['aws-access-key-id', 'aws-secret-access-key']);
  const pulumi = job.steps[pulumiAt];
  expect(versionOf(pulumi)).to.equal('v6');
  // the stack is a variable or input; without one, the committed CI stack (Pulumi.ci.yaml: a
  // normal account has no LabRole, so iamMode create), created on first use
  expect(String(pulumi.with?.['stack-name'])).to.match(/^\$\{\{.*(vars|inputs)\.[A-Za-z_]+.*\|\| 'ci' \}\}$/);
  expect(pulumi.with?.upsert).to.equal(true);
  expect(parseYaml(fs.readFileSync(path.join(ROOT, 'Pulumi.ci.yaml'), 'utf8')).config['lakehouse:iamMode']).to.equal('create');
  // the policy pack the step runs is this repository's pack
  const pack = String(pulumi.with?.['policyPacks']);
  expect(fs.existsSync(path.join(ROOT, pack, 'PulumiPolicy.yaml')), `policy pack directory '${pack}'`).to.equal(true);
  return pulumi;
}

describe('GitHub Actions workflows', () => {
  describe('pull-request.yml', () => {
    const { doc } = load('pull-request.yml');

    it('runs on pull requests to main', () => {
      expect(Object.keys(doc.on)).to.deep.equal(['pull_request']);
      expect((doc.on.pull_request as { branches: string[] }).branches).to.deep.equal(['main']);
    });

    it('may request an OIDC token and write PR comments, and nothing else beyond reading the code', () => {
      expect(doc.permissions).to.deep.equal({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    });

    it('tests with npm ci && npm test on Node 22', () => {
      expectTestJob(doc.jobs.test);
    });

    it('previews after the tests pass, comments on the PR and runs the policy pack', () => {
      const preview = doc.jobs.preview;
      expect(needsOf(preview)).to.deep.equal(['test']);
      const pulumi = expectOidcThenPulumi(preview);
      expect(pulumi.with?.command).to.equal('preview');
      expect(pulumi.with?.['comment-on-pr']).to.equal(true);
      // dependencies are installed before Pulumi runs the TypeScript program
      const commands = preview.steps.map((s) => s.run?.trim());
      expect(commands.indexOf('npm ci')).to.be.within(0, stepIndex(preview, 'pulumi/actions'));
    });

    it('skips the preview for pull requests from forks (no secrets, no OIDC token there)', () => {
      expect(doc.jobs.preview.if).to.match(/github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/);
    });
  });

  describe('deploy.yml', () => {
    const { doc } = load('deploy.yml');

    it('runs on pushes to main and by hand', () => {
      expect(Object.keys(doc.on)).to.have.members(['push', 'workflow_dispatch']);
      expect((doc.on.push as { branches: string[] }).branches).to.deep.equal(['main']);
    });

    it('may request an OIDC token', () => {
      expect(doc.permissions['id-token']).to.equal('write');
      expect(doc.permissions.contents).to.equal('read');
    });

    it('tests, then runs pulumi up with the policy pack', () => {
      expectTestJob(doc.jobs.test);
      const up = doc.jobs.up;
      expect(needsOf(up)).to.deep.equal(['test']);
      const pulumi = expectOidcThenPulumi(up);
      expect(pulumi.with?.command).to.equal('up');
    });
  });

  describe('both workflows', () => {
    const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

    it('are the two expected files', () => {
      expect(files).to.have.members(['pull-request.yml', 'deploy.yml']);
    });

    it('hold no long-lived AWS keys anywhere', () => {
      for (const file of files) {
        const { text } = load(file);
        expect(text, file).to.not.match(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key/i);
      }
    });

    it('read only secrets and variables that docs/operations.md documents', () => {
      const docs = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
      const referenced = new Set<string>();
      for (const file of files) {
        for (const m of load(file).text.matchAll(/\b(secrets|vars)\.([A-Z][A-Z0-9_]*)/g)) referenced.add(m[2]);
      }
      expect([...referenced]).to.include.members(['AWS_ROLE_ARN', 'AWS_REGION', 'PULUMI_STACK', 'PULUMI_ACCESS_TOKEN']);
      for (const name of referenced) expect(docs, `docs/operations.md mentions ${name}`).to.include(`\`${name}\``);
    });
  });
});
