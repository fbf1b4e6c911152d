import { Environment } from '@marcbachmann/cel-js';
import { JobnestError, type WorkflowContext } from '@jobnest/common';

/** A DECISION node's CEL expression cannot be compiled, or does not yield a bool. */
export class DecisionExpressionError extends JobnestError {
  constructor(message: string) {
    super(message, 'DECISION_EXPRESSION_INVALID');
  }
}

/** Longest decision expression, in characters. */
export const MAX_EXPRESSION_LENGTH = 2000;

/**
 * CEL (Common Expression Language): no loops, no side effects, no access to the process. The one variable is
 * `context`, the workflow context (a map). JSON numbers are CEL doubles: compare them with any number
 * (`context.amount > 100`), and write doubles in arithmetic (`context.n + 1.0`).
 */
const environment = new Environment({ limits: { maxAstNodes: 500, maxDepth: 32 } }).registerVariable('context', 'map');

/** Parses and type-checks at save time; throws DecisionExpressionError saying what is wrong. */
export function compileDecision(expression: string): void {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw new DecisionExpressionError(`the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const checked = (() => {
    try {
      return environment.check(expression);
    } catch (err) {
      return { valid: false, error: err as Error, type: undefined };
    }
  })();
  if (!checked.valid) throw new DecisionExpressionError(firstLine(checked.error?.message ?? 'does not compile'));
  if (checked.type !== 'bool' && checked.type !== 'dyn')
    throw new DecisionExpressionError(`the expression yields ${checked.type ?? 'an unknown type'}, not a bool`);
}

/** Evaluates over the context; throws DecisionExpressionError when it fails or does not yield a bool. */
export function evaluateDecision(expression: string, context: WorkflowContext): boolean {
  let value: unknown;
  try {
    value = environment.evaluate(expression, { context });
  } catch (err) {
    throw new DecisionExpressionError(firstLine(err instanceof Error ? err.message : String(err)));
  }
  if (typeof value !== 'boolean')
    throw new DecisionExpressionError(`the expression yielded ${typeof value}, not a bool`);
  return value;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
