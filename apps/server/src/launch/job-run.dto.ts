import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_CONCURRENCY_KEY_LENGTH } from '@jobnest/common';
import { MAX_PARAMS_LENGTH, MAX_PRIORITY } from '../jobs/job.dto';
import { OptionalInt } from '../platform/http/optional-int.decorator';

/** Longest delayMs of a run: 365 days. BullMQ keeps the due time in Redis, so no timer length limits it. */
export const MAX_RUN_DELAY_MS = 365 * 24 * 3600 * 1000;
/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** How long an idempotency key lives when the run does not say: 24 hours. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** Bounds of idempotencyTtlMs: 1 second to 30 days. */
export const MIN_IDEMPOTENCY_TTL_MS = 1000;
export const MAX_IDEMPOTENCY_TTL_MS = 30 * 24 * 3600 * 1000;

export class RunJobDto {
  @ApiPropertyOptional({ description: 'Passed to the processor as ctx.instanceParams' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PARAMS_LENGTH)
  instanceParams?: string;

  @ApiPropertyOptional({ description: 'Run this many ms from now', default: 0, maximum: MAX_RUN_DELAY_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_RUN_DELAY_MS)
  delayMs?: number;

  @ApiPropertyOptional({
    description:
      'While this key lives, another run of the job with the same key creates nothing and answers the instance this one created (200 instead of 201), whichever server receives it',
    maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_IDEMPOTENCY_KEY_LENGTH)
  idempotencyKey?: string;

  @ApiPropertyOptional({
    description: 'How long the idempotency key lives from the run that created its instance, in ms',
    default: DEFAULT_IDEMPOTENCY_TTL_MS,
    minimum: MIN_IDEMPOTENCY_TTL_MS,
    maximum: MAX_IDEMPOTENCY_TTL_MS,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_IDEMPOTENCY_TTL_MS)
  @Max(MAX_IDEMPOTENCY_TTL_MS)
  idempotencyTtlMs?: number;

  @ApiPropertyOptional({
    description: "This run's concurrency key (Default: the value at the job's concurrencyKeyPath in instanceParams)",
    maxLength: MAX_CONCURRENCY_KEY_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_CONCURRENCY_KEY_LENGTH)
  concurrencyKey?: string;

  @OptionalInt(-MAX_PRIORITY, MAX_PRIORITY, {
    description:
      "Among instances waiting for the same capacity or for a worker, higher starts first (Default: the job's)",
  })
  priority?: number;
}

export class RunJobView {
  @ApiProperty() instanceId!: number;
  @ApiProperty({ description: "false: the run's idempotency key answered an instance created before (HTTP 200)" })
  created!: boolean;
}

/** Most runs one POST /jobs/:id/runs may ask for. */
export const MAX_BULK_RUNS = 1000;

export class RunJobBulkDto {
  @ApiProperty({
    type: [RunJobDto],
    description: `1 to ${MAX_BULK_RUNS} runs, created together: all of them, or none (409 past maxInstances)`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_RUNS)
  @ValidateNested({ each: true })
  @Type(() => RunJobDto)
  runs!: RunJobDto[];
}

export class RunJobBulkView {
  @ApiProperty({
    type: [Number],
    description: "The instances, in the order of `runs`: new ones, or the one a run's idempotency key answers",
  })
  instanceIds!: number[];
  @ApiProperty({ type: [Boolean], description: 'For each run, whether it created its instance' })
  created!: boolean[];
}
