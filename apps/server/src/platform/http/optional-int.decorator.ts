import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * An optional whole-number body field within [min, max]: documented in Swagger with its bounds, refused with a 400
 * naming the field when out of them.
 */
export function OptionalInt(
  min: number,
  max: number,
  api: Pick<ApiPropertyOptions, 'description' | 'default'> = {},
): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ ...api, type: Number, minimum: min, maximum: max }),
    IsOptional(),
    IsInt(),
    Min(min),
    Max(max),
  );
}
