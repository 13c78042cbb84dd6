/**
 * Pulumi.yaml is validated against Pulumi's own JSON schema for project files (a copy of
 * ../shared/specs/pulumi-project.schema.json in tests/fixtures, so the test needs nothing
 * outside the repository), and its typed `config:` block is checked against the program.
 */
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS, loadStackConfig } from '../components/config';

const root = path.join(__dirname, '..');
const readYaml = (file: string) => parse(fs.readFileSync(path.join(root, file), 'utf8'));
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'pulumi-project.schema.json'), 'utf8'));

interface ConfigDeclaration {
  type: 'string' | 'integer' | 'boolean' | 'array';
  description?: string;
  default?: unknown;
}

describe('Pulumi.yaml', () => {
  const project = readYaml('Pulumi.yaml');
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

  it("validates against Pulumi's project schema", () => {
    const ok = validate(project);
    expect(ok, JSON.stringify(validate.errors, null, 2)).to.equal(true);
  });

  it('the schema check is not vacuous: a broken project file fails it', () => {
    expect(validate({ name: 'x' })).to.equal(false); // runtime missing
    expect(validate({ ...project, config: { studentId: { type: 'text' } } })).to.equal(false); // unknown type
    expect(validate({ ...project, config: { studentId: { type: 'string', bogus: 1 } } })).to.equal(false); // unknown attribute
  });

  it('is a TypeScript program on the nodejs runtime named lakehouse', () => {
    expect(project.name).to.equal('lakehouse');
    expect(project.runtime).to.deep.equal({ name: 'nodejs', options: { typescript: true } });
  });

  it('declares every key the program reads, each typed, described and defaulted exactly as components/config.ts', () => {
    const config = project.config as Record<string, ConfigDeclaration>;
    expect(Object.keys(config).sort()).to.deep.equal(Object.keys(CONFIG_DEFAULTS).sort());
    for (const [key, decl] of Object.entries(config)) {
      const expected = CONFIG_DEFAULTS[key as keyof typeof CONFIG_DEFAULTS];
      expect(decl.description, key).to.be.a('string').and.have.length.greaterThan(10);
      // A typed key without default is REQUIRED by Pulumi ("Stack is missing configuration value").
      expect(decl, key).to.have.property('default');
      expect(decl.default, key).to.equal(expected);
      const jsType = typeof expected === 'number' ? 'integer' : typeof expected;
      expect(decl.type, key).to.equal(jsType);
    }
  });

  it('its defaults load as a valid stack config', () => {
    const config = project.config as Record<string, ConfigDeclaration>;
    const cfg = loadStackConfig({ get: (k) => (config[k] ? String(config[k].default) : undefined) }, 'dev');
    expect(cfg.studentId).to.equal('dev');
  });
});

describe('Pulumi.dev.yaml', () => {
  const project = readYaml('Pulumi.yaml');
  const stack = readYaml('Pulumi.dev.yaml').config as Record<string, unknown>;

  it('sets aws:region us-west-2', () => {
    expect(stack['aws:region']).to.equal('us-west-2');
  });

  it("sets only declared project keys, each with a value of the declared type, and they load", () => {
    const declared = project.config as Record<string, ConfigDeclaration>;
    const own = Object.entries(stack).filter(([k]) => k.startsWith('lakehouse:'));
    expect(own.length).to.be.greaterThan(5);
    const values: Record<string, string> = {};
    for (const [fullKey, value] of own) {
      const key = fullKey.slice('lakehouse:'.length);
      expect(declared, fullKey).to.have.property(key);
      const type = declared[key].type;
      if (type === 'integer') expect(Number.isInteger(value), fullKey).to.equal(true);
      else expect(typeof value, fullKey).to.equal(type);
      values[key] = String(value);
    }
    for (const k of Object.keys(stack)) expect(k, 'only aws: and lakehouse: namespaces').to.match(/^(aws|lakehouse):/);
    expect(() => loadStackConfig({ get: (k) => values[k] }, 'dev')).not.to.throw();
  });
});
