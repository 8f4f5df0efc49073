import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { API_MAX_BODY_BYTES, SERVICE_NAME } from '../constants';

export interface ApiWebAclProps {
  stage: StageConfig;
  apiStage: apigw.Stage;
  /** Paths (API resource paths) that get the stricter per-IP limit, e.g. the login route. */
  sensitivePaths: string[];
}

/** WAF body inspection sizes for API Gateway (16 KB steps; beyond the 16 KB default costs extra per request). */
const INSPECTION_LIMITS = [16, 32, 48, 64] as const;

/** The smallest WAF body inspection limit that covers `bytes` (64 KB at most). */
export function bodyInspectionLimit(bytes: number): `KB_${(typeof INSPECTION_LIMITS)[number]}` {
  const kb = INSPECTION_LIMITS.find((k) => k * 1024 >= bytes);
  if (kb === undefined) throw new Error(`WAF cannot inspect bodies of ${bytes} bytes (64 KB at most)`);
  return `KB_${kb}`;
}

/** Rule names (also their CloudWatch metric names). */
export const WAF_RULES = {
  ipRate: 'RateLimitPerIp',
  sensitiveIpRate: 'RateLimitPerIpSensitive',
  bodySize: 'BodySizeLimit',
  common: 'AWSManagedRulesCommonRuleSet',
  knownBadInputs: 'AWSManagedRulesKnownBadInputsRuleSet',
} as const;

/**
 * The API's own WAFv2 web ACL (REGIONAL), associated with the API stage. Rules, in order:
 * 1. per-IP rate limit over all routes (`wafRateLimitPer5Min` per 5 minutes) — blocks floods before any Lambda runs;
 * 2. a stricter per-IP limit on the sensitive paths (login: a tenth of it, at least 10) against password guessing;
 * 3. body size: bodies over the API's limit (`API_MAX_BODY_BYTES`, 64 KB, what the functions accept) are blocked.
 *    The web ACL inspects bodies up to that size (AssociationConfig API_GATEWAY), so "larger than WAF can inspect"
 *    means "larger than the limit" and the rule blocks it (oversize handling MATCH);
 * 4. AWS common rule set (OWASP-style XSS, LFI, bad bots, …) with its SizeRestrictions_BODY rule (blocks any body
 *    over 8 KB, a fixed value) set to COUNT: the API accepts bodies up to 64 KB and rule 3 enforces that limit, and
 *    with the 64 KB inspection limit the rest of the set inspects the whole accepted body;
 * 5. AWS known-bad-inputs (Log4j, Java deserialisation, localhost Host headers, …).
 */
export class ApiWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly association: wafv2.CfnWebACLAssociation;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    const { stage } = props;
    const prefix = `${SERVICE_NAME}-${stage.stage}`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const sensitiveLimit = Math.max(10, Math.floor(stage.wafRateLimitPer5Min / 10));

    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: WAF_RULES.ipRate,
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: stage.wafRateLimitPer5Min,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
          },
        },
        visibilityConfig: visibility(WAF_RULES.ipRate),
      },
      ...(props.sensitivePaths.length > 0
        ? [
            {
              name: WAF_RULES.sensitiveIpRate,
              priority: 1,
              action: { block: {} },
              statement: {
                rateBasedStatement: {
                  limit: sensitiveLimit,
                  evaluationWindowSec: 300,
                  aggregateKeyType: 'IP',
                  scopeDownStatement: pathsStatement(props.sensitivePaths),
                },
              },
              visibilityConfig: visibility(WAF_RULES.sensitiveIpRate),
            },
          ]
        : []),
      {
        name: WAF_RULES.bodySize,
        priority: 2,
        action: { block: {} },
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: API_MAX_BODY_BYTES,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        visibilityConfig: visibility(WAF_RULES.bodySize),
      },
      {
        name: WAF_RULES.common,
        priority: 3,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          },
        },
        visibilityConfig: visibility(WAF_RULES.common),
      },
      {
        name: WAF_RULES.knownBadInputs,
        priority: 4,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
        },
        visibilityConfig: visibility(WAF_RULES.knownBadInputs),
      },
    ];

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: prefix,
      description: `${prefix} API: rate limits per IP, body size, AWS common and known-bad-inputs rules`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      // Inspect what the API accepts (64 KB), not just the first 16 KB (extra WAF charge per request above 16 KB).
      associationConfig: {
        requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: bodyInspectionLimit(API_MAX_BODY_BYTES) } },
      },
      visibilityConfig: visibility(prefix),
      rules,
    });

    this.association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.apiStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage ARN refers to the stage, which orders the two; explicit as well, since the association fails before it.
    this.association.node.addDependency(props.apiStage);
  }
}

/** Matches requests whose URI path is one of `paths` (exact, case-insensitive). */
function pathsStatement(paths: string[]): wafv2.CfnWebACL.StatementProperty {
  const one = (path: string): wafv2.CfnWebACL.StatementProperty => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'ENDS_WITH',
      searchString: path,
      textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
    },
  });
  if (paths.length === 1) return one(paths[0]!);
  return { orStatement: { statements: paths.map(one) } };
}
