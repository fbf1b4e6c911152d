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
  ValidateNested,
} from 'class-validator';
import { MAX_PARAMS_LENGTH } from '../jobs/job.dto';

/** Longest delayMs of a run: 365 days. BullMQ keeps the due time in Redis, so no timer length limits it. */
export const MAX_RUN_DELAY_MS = 365 * 24 * 3600 * 1000;

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
}

export class RunJobView {
  @ApiProperty() instanceId!: number;
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
  @ApiProperty({ type: [Number], description: 'The new instances, in the order of `runs`' }) instanceIds!: number[];
}
