// Pulumi policy pack wrapping the same rules the tests run: `pulumi preview --policy-pack infra/policy`.
import { PolicyPack, type ReportViolation, type StackValidationArgs } from '@pulumi/policy';
import { RULES, checkResources } from '@darkroom/infra/policy-rules';

new PolicyPack('darkroom', {
  policies: [
    {
      name: 'darkroom-guard-rails',
      description: RULES.map((r) => `${r.name}: ${r.description}`).join(' '),
      enforcementLevel: 'mandatory',
      validateStack: (stack: StackValidationArgs, reportViolation: ReportViolation) => {
        const resources = stack.resources.map((r) => ({
          type: r.type,
          name: r.name,
          inputs: r.props as Record<string, unknown>,
        }));
        for (const v of checkResources(resources))
          reportViolation(`[${v.rule}] ${v.resource}: ${v.message}`);
      },
    },
  ],
});
