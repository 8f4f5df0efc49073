import type { Template } from 'aws-cdk-lib/assertions';

/** Helpers that read a synthesized CloudFormation template the way CloudFormation would. */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function resources(template: Template): Record<string, CfnResource> {
  return (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
}

export function ofType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(resources(template)).filter(([, r]) => r.Type === type);
}

export function outputs(template: Template): Record<string, { Value: Json }> {
  return (template.toJSON() as { Outputs?: Record<string, { Value: Json }> }).Outputs ?? {};
}

/** `{Ref: X}` or `{Fn::GetAtt: [X, …]}` → X. */
export function refTarget(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  return undefined;
}

/**
 * A weak cross-stack reference `{Fn::GetStackOutput: {OutputName}}` resolved against the producer's outputs
 * (the value there is usually a Ref/GetAtt).
 */
export function resolveStackOutput(value: unknown, producer: Template): Json | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const ref = (value as Record<string, { OutputName?: string }>)['Fn::GetStackOutput'];
  if (!ref?.OutputName) return undefined;
  return outputs(producer)[ref.OutputName]?.Value;
}

/** Every string and token object inside an Fn::Join, flattened (strings kept, tokens as objects). */
export function joinParts(value: unknown): unknown[] {
  if (typeof value === 'string') return [value];
  const join = (value as Record<string, unknown> | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1] as unknown[];
  return [value];
}

/** Dashboard body (an Fn::Join of JSON text and tokens) as an object; tokens become "TOKEN". */
export function dashboardBody(template: Template): {
  widgets: { type: string; properties: Record<string, unknown> }[];
} {
  const [, dash] = ofType(template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
  if (!dash) throw new Error('no dashboard');
  const text = joinParts(dash.Properties?.DashboardBody)
    .map((p) => (typeof p === 'string' ? p : 'TOKEN'))
    .join('');
  return JSON.parse(text);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/**
 * Every IAM statement from AWS::IAM::Policy documents and roles' inline policies, with where it is and the
 * roles it applies to (logical ids).
 */
export function iamStatements(
  template: Template,
): { where: string; roles: string[]; statement: Statement }[] {
  const out: { where: string; roles: string[]; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources(template))) {
    const docs: { Statement: Statement[] }[] = [];
    let roles: string[] = [];
    if (r.Type === 'AWS::IAM::Policy') {
      docs.push(r.Properties?.PolicyDocument as { Statement: Statement[] });
      roles = ((r.Properties?.Roles as unknown[]) ?? []).map((x) => refTarget(x) ?? '?');
    }
    if (r.Type === 'AWS::IAM::Role') {
      roles = [id];
      for (const p of (r.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
        docs.push(p.PolicyDocument);
      }
    }
    for (const d of docs) for (const s of d.Statement) out.push({ where: id, roles, statement: s });
  }
  return out;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
