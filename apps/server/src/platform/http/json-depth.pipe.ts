import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * Deepest nesting of objects and arrays a request body may have. No Jobnest body goes past 3 levels; class-transformer
 * (in the ValidationPipe) recurses once per level, so a body nested thousands deep overflowed the stack (500).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Runs before the ValidationPipe: rejects a body (or query) nested deeper than MAX_JSON_DEPTH with a 400 naming
 * the top-level field that holds it. Walks with its own stack, so the check itself cannot overflow.
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query') return value;
    const field = deepestField(value);
    if (field !== undefined) {
      throw new BadRequestException(`${field.slice(0, 100)} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    return value;
  }
}

/** The top-level field (or `body`, for a top-level array) holding nesting past the limit; undefined when none does. */
function deepestField(root: unknown): string | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: { value: object; depth: number; field: string }[] = [];
  if (Array.isArray(root)) stack.push({ value: root, depth: 1, field: 'body' });
  else
    for (const [key, child] of Object.entries(root)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: 2, field: key });
    }
  while (stack.length > 0) {
    const { value, depth, field } = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return field;
    for (const child of Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1, field });
    }
  }
  return undefined;
}
