import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The synthesized cloud assembly (cdk.out) as the host needs it: every stack's template, and a resolver for
 * the CloudFormation intrinsics the function environments, API methods, event source mappings and queues use
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::GetStackOutput). What a
 * reference resolves to is decided by a `LocalBindings` callback per resource, so local endpoints replace the
 * cloud ones without a fixed list of variable names.
 */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface Stack {
  /** CloudFormation stack name (from manifest.json; else the template's file name). */
  name: string;
  template: CfnTemplate;
}

export interface ResourceRef {
  stack: Stack;
  logicalId: string;
  resource: CfnResource;
}

/** What a Ref / GetAtt of one resource means locally; undefined = not bound (the resolver fails). */
export interface LocalBindings {
  ref(r: ResourceRef): string | undefined;
  getAtt(r: ResourceRef, attribute: string): string | undefined;
}

export class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

export interface Assembly {
  dir: string;
  stacks: Stack[];
  region: string;
  accountId: string;
  resources(type?: string): ResourceRef[];
  find(stack: Stack, logicalId: string): ResourceRef | undefined;
  resolve(value: unknown, stack: Stack, bindings: LocalBindings): unknown;
}

export function loadAssembly(dir: string, opts: { region?: string; accountId?: string } = {}): Assembly {
  if (!existsSync(dir)) throw new Error(`No cloud assembly at ${dir}`);
  const names = new Map<string, string>();
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      artifacts?: Record<
        string,
        { type?: string; properties?: { templateFile?: string; stackName?: string } }
      >;
    };
    for (const [id, a] of Object.entries(manifest.artifacts ?? {})) {
      if (a.type !== 'aws:cloudformation:stack' || !a.properties?.templateFile) continue;
      names.set(a.properties.templateFile, a.properties.stackName ?? id);
    }
  }
  const stacks: Stack[] = readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => ({
      name: names.get(f) ?? f.replace(/\.template\.json$/, ''),
      template: JSON.parse(readFileSync(join(dir, f), 'utf8')) as CfnTemplate,
    }));
  if (stacks.length === 0) throw new Error(`No *.template.json in ${dir}: is it a cdk.out folder?`);
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';

  const find = (stack: Stack, logicalId: string): ResourceRef | undefined => {
    const resource = stack.template.Resources?.[logicalId];
    return resource ? { stack, logicalId, resource } : undefined;
  };

  const pseudo = (name: string, stack: Stack): string | undefined => {
    switch (name) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.name;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${region}:${accountId}:stack/${stack.name}/local`;
      default:
        return undefined;
    }
  };

  const resolve = (value: unknown, stack: Stack, b: LocalBindings): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => resolve(v, stack, b));
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length !== 1) {
      return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, stack, b)]));
    }
    const [key, arg] = entries[0]!;
    const str = (v: unknown) => String(resolve(v, stack, b));
    switch (key) {
      case 'Ref': {
        const name = String(arg);
        if (name === 'AWS::NoValue') return undefined;
        const p = pseudo(name, stack);
        if (p !== undefined) return p;
        const r = find(stack, name);
        if (!r) throw new UnresolvableError(`Ref ${name}: no such resource in ${stack.name}`);
        const out = b.ref(r);
        if (out === undefined)
          throw new UnresolvableError(`Ref ${name} (${r.resource.Type}) has no local value`);
        return out;
      }
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg)
          ? [String(arg[0]), str(arg[1])]
          : [String(arg).split('.')[0]!, String(arg).split('.').slice(1).join('.')];
        const r = find(stack, id);
        if (!r) throw new UnresolvableError(`GetAtt ${id}.${attr}: no such resource in ${stack.name}`);
        const out = b.getAtt(r, attr);
        if (out === undefined) {
          throw new UnresolvableError(`GetAtt ${id}.${attr} (${r.resource.Type}) has no local value`);
        }
        return out;
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        const list = resolve(parts, stack, b) as unknown[];
        return list.filter((x) => x !== undefined).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = resolve(list, stack, b) as unknown[];
        return items[Number(resolve(index, stack, b))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return str(source).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, expr: string) => {
          if (expr in vars) return str(vars[expr]);
          if (expr.includes('.') && !expr.startsWith('AWS::')) {
            const [id, ...attr] = expr.split('.');
            return str({ 'Fn::GetAtt': [id, attr.join('.')] });
          }
          return str({ Ref: expr });
        });
      }
      case 'Fn::ImportValue': {
        const name = str(arg);
        for (const s of stacks) {
          for (const o of Object.values(s.template.Outputs ?? {})) {
            if (o.Export && String(resolve(o.Export.Name, s, b)) === name) return resolve(o.Value, s, b);
          }
        }
        throw new UnresolvableError(`ImportValue ${name}: no stack exports it`);
      }
      case 'Fn::GetStackOutput': {
        const a = arg as { StackName: unknown; OutputName: unknown };
        const stackName = str(a.StackName);
        const outputName = str(a.OutputName);
        const other = stacks.find((s) => s.name === stackName);
        const output = other?.template.Outputs?.[outputName];
        if (!other || !output)
          throw new UnresolvableError(`GetStackOutput ${stackName}.${outputName}: not found`);
        return resolve(output.Value, other, b);
      }
      default:
        if (key.startsWith('Fn::')) throw new UnresolvableError(`${key} is not supported by the local host`);
        return { [key]: resolve(arg, stack, b) };
    }
  };

  return {
    dir,
    stacks,
    region,
    accountId,
    resources(type?: string) {
      const out: ResourceRef[] = [];
      for (const stack of stacks) {
        for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
          if (!type || resource.Type === type) out.push({ stack, logicalId, resource });
        }
      }
      return out;
    },
    find,
    resolve,
  };
}

/** The logical id of the Lambda function an API Gateway integration URI points at (GetAtt …Arn inside it). */
export function functionInUri(uri: unknown): string | undefined {
  if (uri === null || typeof uri !== 'object') return undefined;
  if (Array.isArray(uri)) {
    for (const u of uri) {
      const id = functionInUri(u);
      if (id) return id;
    }
    return undefined;
  }
  const obj = uri as Record<string, unknown>;
  const att = obj['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'Arn') return String(att[0]);
  for (const v of Object.values(obj)) {
    const id = functionInUri(v);
    if (id) return id;
  }
  return undefined;
}
