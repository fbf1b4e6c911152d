import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CONCURRENCY_KEY_PATH_PATTERN,
  DispatchStrategy,
  ExecuteType,
  JOB_DEFAULTS,
  OverlapPolicy,
  TimeExpressionType,
} from '@jobnest/common';
import { PageQueryDto } from '../platform/http/page-query.dto';
import { OptionalInt } from '../platform/http/optional-int.decorator';
import { MAX_EPOCH_MS, MAX_INT_COLUMN } from '../platform/http/value-bounds';

/**
 * Longest instanceTimeLimitMs: 30 days. Past 2^31-1 ms (24.8 days) the worker chains its timer (longTimeout), so
 * the whole range works; a run meant to last longer should not have a time limit.
 */
export const MAX_INSTANCE_TIME_LIMIT_MS = 30 * 24 * 3600 * 1000;
/** Most entries in designatedWorkers; with MAX_DESIGNATED_WORKER_LENGTH it fits the TEXT column. */
export const MAX_DESIGNATED_WORKERS = 100;
/** Longest worker id or tag (worker ids are at most 100 characters). */
export const MAX_DESIGNATED_WORKER_LENGTH = 100;
/** Longest jobParams, in characters (MEDIUMTEXT holds 16 MB, 4 bytes per character at worst). */
export const MAX_PARAMS_LENGTH = 1_000_000;
/** Most CPU cores a job may require of a worker. */
export const MAX_MIN_CPU_CORES = 10_000;
/** Bounds of a priority (a job's default, or a run's). */
export const MAX_PRIORITY = 1_000_000;
/** Longest rate period: one day. */
export const MAX_RATE_PERIOD_MS = 24 * 3600 * 1000;
/** Most slots BUFFER_ALL may keep waiting. */
export const MAX_OVERLAP_BUFFER = 10_000;
/** Swagger text of overlapBufferLimit (jobs and workflows). */
export const OVERLAP_BUFFER_LIMIT_DOC = {
  default: JOB_DEFAULTS.overlapBufferLimit,
  description: 'Most slots BUFFER_ALL keeps waiting; later slots are skipped',
};

export class LifecycleDto {
  @ApiPropertyOptional({ description: 'Epoch ms: nothing fires before', nullable: true, maximum: MAX_EPOCH_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_EPOCH_MS)
  start?: number | null;

  @ApiPropertyOptional({ description: 'Epoch ms: nothing fires after', nullable: true, maximum: MAX_EPOCH_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_EPOCH_MS)
  end?: number | null;
}

/** Body of POST /jobs and PUT /jobs/:id (PUT replaces the whole definition; omitted fields take their defaults). */
export class JobInputDto {
  @ApiProperty({ example: 'nightly-report' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.description })
  @IsOptional()
  @IsString()
  @Length(0, 1000)
  description?: string;

  @ApiProperty({ example: 'demo.hello', description: 'Name a worker registered with @JobProcessor' })
  @IsString()
  @Length(1, 200)
  processor!: string;

  @ApiProperty({ enum: ExecuteType })
  @IsEnum(ExecuteType, { message: `executeType must be one of ${Object.values(ExecuteType).join(', ')}` })
  executeType!: ExecuteType;

  @ApiProperty({ enum: TimeExpressionType })
  @IsEnum(TimeExpressionType, {
    message: `timeExpressionType must be one of ${Object.values(TimeExpressionType).join(', ')}`,
  })
  timeExpressionType!: TimeExpressionType;

  @ApiPropertyOptional({ example: '0 */5 * * * *', nullable: true, description: 'Depends on timeExpressionType' })
  @IsOptional()
  @IsString()
  @Length(0, 1000)
  timeExpression?: string | null;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    default: JOB_DEFAULTS.timeZone,
    description: 'IANA name, any case (stored as the canonical name)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ nullable: true, maxLength: MAX_PARAMS_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PARAMS_LENGTH)
  jobParams?: string | null;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.maxInstances,
    description: 'Concurrent unfinished instances; 0 = no limit',
    maximum: MAX_INT_COLUMN,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  maxInstances?: number;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.concurrency,
    description: 'Subtasks at once per worker (Map/MapReduce/Broadcast)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  concurrency?: number;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.instanceTimeLimitMs,
    description: 'ms; 0 = no limit; at most 30 days',
    maximum: MAX_INSTANCE_TIME_LIMIT_MS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INSTANCE_TIME_LIMIT_MS)
  instanceTimeLimitMs?: number;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.instanceRetries })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  instanceRetries?: number;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.taskRetries })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  taskRetries?: number;

  @ApiPropertyOptional({ enum: DispatchStrategy, default: JOB_DEFAULTS.dispatchStrategy })
  @IsOptional()
  @IsEnum(DispatchStrategy, {
    message: `dispatchStrategy must be one of ${Object.values(DispatchStrategy).join(', ')}`,
  })
  dispatchStrategy?: DispatchStrategy;

  @ApiPropertyOptional({
    type: [String],
    description: 'Worker ids or tags (SPECIFY)',
    maxItems: MAX_DESIGNATED_WORKERS,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_DESIGNATED_WORKERS)
  @IsString({ each: true })
  @MaxLength(MAX_DESIGNATED_WORKER_LENGTH, { each: true })
  designatedWorkers?: string[];

  @ApiPropertyOptional({ default: JOB_DEFAULTS.maxWorkerCount, description: '0 = no limit', maximum: MAX_INT_COLUMN })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  maxWorkerCount?: number;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.minCpuCores, maximum: MAX_MIN_CPU_CORES })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(MAX_MIN_CPU_CORES)
  minCpuCores?: number;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.minMemoryMb,
    description: 'Free memory a worker needs, MB',
    maximum: MAX_INT_COLUMN,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  minMemoryMb?: number;

  @ApiPropertyOptional({ type: LifecycleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LifecycleDto)
  lifecycle?: LifecycleDto;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.enabled })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    nullable: true,
    example: 'customer.id',
    description:
      "Where an instance's concurrency key is in its instanceParams (a JSON object): field names joined by dots. A run's own concurrencyKey wins; an instance whose params give no string or number there has the key ''",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(CONCURRENCY_KEY_PATH_PATTERN, {
    message: 'concurrencyKeyPath must be field names (letters, digits, _ or -) joined by dots, e.g. customer.id',
  })
  concurrencyKeyPath?: string | null;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.concurrencyLimit,
    description: 'Instances started at once per concurrency key; the others wait in WAITING_DISPATCH; 0 = no limit',
    maximum: MAX_INT_COLUMN,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  concurrencyLimit?: number;

  @ApiPropertyOptional({
    default: JOB_DEFAULTS.rateLimit,
    description: 'Starts per ratePeriodMs per concurrency key (sliding window); the others wait; 0 = no limit',
    maximum: MAX_INT_COLUMN,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  rateLimit?: number;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.ratePeriodMs, minimum: 100, maximum: MAX_RATE_PERIOD_MS })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(MAX_RATE_PERIOD_MS)
  ratePeriodMs?: number;

  @OptionalInt(-MAX_PRIORITY, MAX_PRIORITY, {
    default: JOB_DEFAULTS.priority,
    description: 'Priority of runs that give none: among instances waiting for capacity or a worker, higher first',
  })
  priority?: number;

  @ApiPropertyOptional({
    enum: OverlapPolicy,
    default: JOB_DEFAULTS.overlapPolicy,
    description: 'What a timer slot does while an earlier instance of the job is unfinished',
  })
  @IsOptional()
  @IsEnum(OverlapPolicy, { message: `overlapPolicy must be one of ${Object.values(OverlapPolicy).join(', ')}` })
  overlapPolicy?: OverlapPolicy;

  @OptionalInt(1, MAX_OVERLAP_BUFFER, OVERLAP_BUFFER_LIMIT_DOC)
  overlapBufferLimit?: number;
}

export class JobView {
  @ApiProperty() id!: number;
  @ApiProperty() appId!: number;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() processor!: string;
  @ApiProperty({ enum: ExecuteType }) executeType!: ExecuteType;
  @ApiProperty({ enum: TimeExpressionType }) timeExpressionType!: TimeExpressionType;
  @ApiProperty({ nullable: true, type: String }) timeExpression!: string | null;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ nullable: true, type: String }) jobParams!: string | null;
  @ApiProperty() maxInstances!: number;
  @ApiProperty() concurrency!: number;
  @ApiProperty() instanceTimeLimitMs!: number;
  @ApiProperty() instanceRetries!: number;
  @ApiProperty() taskRetries!: number;
  @ApiProperty({ enum: DispatchStrategy }) dispatchStrategy!: DispatchStrategy;
  @ApiProperty({ type: [String] }) designatedWorkers!: string[];
  @ApiProperty() maxWorkerCount!: number;
  @ApiProperty() minCpuCores!: number;
  @ApiProperty() minMemoryMb!: number;
  @ApiProperty({ type: LifecycleDto }) lifecycle!: { start: number | null; end: number | null };
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) concurrencyKeyPath!: string | null;
  @ApiProperty() concurrencyLimit!: number;
  @ApiProperty() rateLimit!: number;
  @ApiProperty() ratePeriodMs!: number;
  @ApiProperty() priority!: number;
  @ApiProperty({ enum: OverlapPolicy }) overlapPolicy!: OverlapPolicy;
  @ApiProperty() overlapBufferLimit!: number;
  @ApiProperty({
    description: 'Timer slots skipped by the overlap policy, maxInstances, or while an instance waited for a worker',
  })
  skippedSlots!: number;
  @ApiProperty({ description: 'Timer slots missed while no server could fire them (older than the misfire threshold)' })
  misfiredSlots!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export { PageQueryDto, type Page } from '../platform/http/page-query.dto';

/** `true`/`false` of a query string as a boolean; anything else stays as is, for @IsBoolean to refuse. */
const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Filters of GET /jobs: each narrows the list on the server, before paging. */
export class JobQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only jobs whose name contains this text (any case)', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ description: 'Only enabled (true) or disabled (false) jobs' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ enum: TimeExpressionType })
  @IsOptional()
  @IsEnum(TimeExpressionType, {
    message: `timeExpressionType must be one of ${Object.values(TimeExpressionType).join(', ')}`,
  })
  timeExpressionType?: TimeExpressionType;

  @ApiPropertyOptional({ enum: ExecuteType })
  @IsOptional()
  @IsEnum(ExecuteType, { message: `executeType must be one of ${Object.values(ExecuteType).join(', ')}` })
  executeType?: ExecuteType;

  @ApiPropertyOptional({ description: 'true: only jobs with skipped or misfired timer slots' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'missedSlots must be true or false' })
  missedSlots?: boolean;
}

export class ValidateTimeQueryDto {
  @ApiProperty({ enum: TimeExpressionType })
  @IsEnum(TimeExpressionType, { message: `type must be one of ${Object.values(TimeExpressionType).join(', ')}` })
  type!: TimeExpressionType;

  @ApiPropertyOptional({ example: '0 */5 * * * *' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  expression?: string;

  @ApiPropertyOptional({ default: JOB_DEFAULTS.timeZone })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;
}

export class ValidateTimeView {
  @ApiProperty({ description: 'Next fire times, epoch ms (empty for API and WORKFLOW)', type: [Number] })
  nextFireTimes!: number[];
  @ApiProperty({ description: 'The same as ISO 8601 strings', type: [String] })
  nextFireTimesIso!: string[];
}
