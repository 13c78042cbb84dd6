/**
 * Pulumi.yaml is validated against Pulumi's own JSON schema for project files (a copy of
 * ../shared/specs/pulumi-project.schema.json in tests/fixtures, so the test needs nothing
 * outside the repository), and its typed `config:` block is checked against the program.
 */
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'chai';
import * as fs from 'fs';
import { builtinModules } from 'module';
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

/** The stack files: each sets aws:region and only project keys whose value differs from the default. */
for (const [file, expected] of [
  ['Pulumi.dev.yaml', { 'lakehouse:duplicateRate': '0.01' }],
  ['Pulumi.ci.yaml', { 'lakehouse:iamMode': 'create' }],
] as const) {
  describe(file, () => {
    const project = readYaml('Pulumi.yaml');
    const stack = readYaml(file).config as Record<string, unknown>;

    it('sets aws:region us-west-2 (it has no default)', () => {
      expect(stack['aws:region']).to.equal('us-west-2');
    });

    it('holds only what differs from the defaults in Pulumi.yaml, each value of the declared type, and loads', () => {
      const declared = project.config as Record<string, ConfigDeclaration>;
      const own = Object.entries(stack).filter(([k]) => k.startsWith('lakehouse:'));
      const values: Record<string, string> = {};
      for (const [fullKey, value] of own) {
        const key = fullKey.slice('lakehouse:'.length);
        expect(declared, fullKey).to.have.property(key);
        expect(value, `${fullKey} repeats its default`).not.to.equal(declared[key].default);
        const type = declared[key].type;
        if (type === 'integer') expect(Number.isInteger(value), fullKey).to.equal(true);
        else expect(typeof value, fullKey).to.equal(type);
        values[key] = String(value);
      }
      expect(Object.fromEntries(own)).to.deep.equal(expected);
      for (const k of Object.keys(stack)) expect(k, 'only aws: and lakehouse: namespaces').to.match(/^(aws|lakehouse):/);
      expect(() => loadStackConfig({ get: (k) => values[k] }, file.split('.')[1])).not.to.throw();
    });
  });
}

describe('the program after `npm ci --omit=dev` (what `pulumi up` in a lean deploy image has)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types?: string[] } };
  const BUILTIN = new Set<string>(builtinModules);

  /** The package a bare specifier names: `@scope/name` or `name`. */
  const packageOf = (specifier: string) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/');

  /**
   * Every bare module the program loads at run time, following its local imports from index.ts:
   * `import` declarations that are not type-only, and `require('...')` calls (the dynamic
   * providers require the SDK inside their functions).
   */
  function runtimeImports(entry: string): Map<string, string> {
    const ts = require('typescript') as typeof import('typescript');
    const found = new Map<string, string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const use = (specifier: string) => {
        if (specifier.startsWith('.')) {
          const base = path.resolve(path.dirname(file), specifier);
          const target = [`${base}.ts`, path.join(base, 'index.ts'), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
          if (target === undefined) throw new Error(`${file}: cannot resolve ${specifier}`);
          if (target.endsWith('.ts')) visit(target);
        } else if (!BUILTIN.has(specifier.replace(/^node:/, '')) && !BUILTIN.has(specifier.split('/')[0])) {
          found.set(packageOf(specifier), path.relative(root, file));
        }
      };
      const walk = (node: import('typescript').Node) => {
        if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) use(node.moduleSpecifier.text);
        if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
          use(node.moduleSpecifier.text);
        if (
          ts.isCallExpression(node) &&
          ts.isIdentifier(node.expression) &&
          node.expression.text === 'require' &&
          node.arguments.length === 1 &&
          ts.isStringLiteral(node.arguments[0])
        ) {
          use(node.arguments[0].text);
        }
        ts.forEachChild(node, walk);
      };
      walk(source);
    };
    visit(entry);
    return found;
  }

  it("tsconfig names only type packages that are dependencies (Pulumi type-checks with it; a missing one fails every 'pulumi up')", () => {
    const types = tsconfig.compilerOptions.types ?? [];
    expect(types).not.to.include('mocha');
    for (const t of types) expect(pkg.dependencies, `@types/${t}`).to.have.property(`@types/${t}`);
  });

  it('typescript is a dependency: without it Pulumi falls back to its bundled TypeScript 3.8, which rejects target ES2022', () => {
    expect(pkg.dependencies).to.have.property('typescript');
  });

  it('every package the program and its dynamic providers load at run time is a dependency, none a devDependency', () => {
    const imports = runtimeImports(path.join(root, 'index.ts'));
    // Sanity: the walk reaches the providers' required SDKs and the component code.
    expect([...imports.keys()]).to.include.members([
      '@pulumi/pulumi',
      '@pulumi/aws',
      '@aws-sdk/client-athena',
      '@aws-sdk/client-glue',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-sts',
      'esbuild',
    ]);
    for (const [name, where] of imports) expect(pkg.dependencies, `${name} (loaded by ${where})`).to.have.property(name);
  });
});
