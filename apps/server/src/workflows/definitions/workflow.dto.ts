import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { JOB_DEFAULTS, TimeExpressionType, WorkflowNodeType, WorkflowOverlapPolicy } from '@jobnest/common';
import {
  LifecycleDto,
  MAX_INSTANCE_TIME_LIMIT_MS,
  MAX_OVERLAP_BUFFER,
  MAX_PARAMS_LENGTH,
  OVERLAP_BUFFER_LIMIT_DOC,
} from '../../jobs/job.dto';
import { OptionalInt } from '../../platform/http/optional-int.decorator';
import { MAX_INT_COLUMN } from '../../platform/http/value-bounds';
import { MAX_WORKFLOW_EDGES, MAX_WORKFLOW_NODES } from './dag-shape';
import { MAX_EXPRESSION_LENGTH } from './decision-expression';

/** The time expression types a workflow may have (FIXED_DELAY and WORKFLOW belong to jobs). */
export const WORKFLOW_TIME_TYPES = [
  TimeExpressionType.API,
  TimeExpressionType.CRON,
  TimeExpressionType.FIXED_RATE,
  TimeExpressionType.DAILY_TIME_INTERVAL,
] as const;

/** Workflow defaults, as documented (README, Workflows). */
export const WORKFLOW_DEFAULTS = {
  description: '',
  timeZone: 'UTC',
  enabled: true,
  maxInstances: 0,
  overlapPolicy: WorkflowOverlapPolicy.SKIP,
  overlapBufferLimit: JOB_DEFAULTS.overlapBufferLimit,
  continueOnFailure: false,
} as const;

export class WorkflowNodeDto {
  @ApiProperty({ example: 'extract', description: "Unique in the DAG: 1-64 letters, digits, '_' or '-'" })
  @IsString()
  @Length(1, 64)
  id!: string;

  @ApiProperty({ enum: WorkflowNodeType })
  @IsEnum(WorkflowNodeType, { message: `type must be one of ${Object.values(WorkflowNodeType).join(', ')}` })
  type!: WorkflowNodeType;

  @ApiPropertyOptional({ description: 'Display name (default: the id)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ default: true, description: 'false: not run, counts as succeeded' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: false, description: 'A failure does not stop successors nor fail the workflow' })
  @IsOptional()
  @IsBoolean()
  skipWhenFailed?: boolean;

  @ApiPropertyOptional({ description: 'JOB: a job of the same app' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT_COLUMN)
  jobId?: number;

  @ApiPropertyOptional({ description: "JOB: replaces the job's jobParams" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PARAMS_LENGTH)
  params?: string;

  @ApiPropertyOptional({ description: "JOB: replaces the job's instanceRetries" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  instanceRetries?: number;

  @ApiPropertyOptional({ description: "JOB: replaces the job's instanceTimeLimitMs (0 = none)" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INSTANCE_TIME_LIMIT_MS)
  instanceTimeLimitMs?: number;

  @ApiPropertyOptional({ example: 'context.amount > 100', description: 'DECISION: CEL over `context`, a bool' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EXPRESSION_LENGTH)
  expression?: string;

  @ApiPropertyOptional({ description: 'NESTED_WORKFLOW: a workflow of the same app' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT_COLUMN)
  workflowId?: number;
}

export class WorkflowEdgeDto {
  @ApiProperty() @IsString() @Length(1, 64) from!: string;
  @ApiProperty() @IsString() @Length(1, 64) to!: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Required on edges out of a DECISION node, only there' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: "label must be 'true' or 'false'" })
  label?: 'true' | 'false';
}

export class WorkflowDagDto {
  @ApiProperty({ type: [WorkflowNodeDto], maxItems: MAX_WORKFLOW_NODES })
  @IsArray()
  @ArrayMaxSize(MAX_WORKFLOW_NODES)
  @ValidateNested({ each: true })
  @Type(() => WorkflowNodeDto)
  nodes!: WorkflowNodeDto[];

  @ApiProperty({ type: [WorkflowEdgeDto], maxItems: MAX_WORKFLOW_EDGES })
  @IsArray()
  @ArrayMaxSize(MAX_WORKFLOW_EDGES)
  @ValidateNested({ each: true })
  @Type(() => WorkflowEdgeDto)
  edges!: WorkflowEdgeDto[];
}

/** Body of POST /workflows and PUT /workflows/:id (PUT replaces the definition; omitted fields take defaults). */
export class WorkflowInputDto {
  @ApiProperty({ example: 'nightly-etl' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ default: WORKFLOW_DEFAULTS.description })
  @IsOptional()
  @IsString()
  @Length(0, 1000)
  description?: string;

  @ApiProperty({ type: WorkflowDagDto })
  @ValidateNested()
  @Type(() => WorkflowDagDto)
  dag!: WorkflowDagDto;

  @ApiProperty({ enum: WORKFLOW_TIME_TYPES })
  @IsIn(WORKFLOW_TIME_TYPES, { message: `timeExpressionType must be one of ${WORKFLOW_TIME_TYPES.join(', ')}` })
  timeExpressionType!: TimeExpressionType;

  @ApiPropertyOptional({ example: '0 0 2 * * *', nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 1000)
  timeExpression?: string | null;

  @ApiPropertyOptional({ default: WORKFLOW_DEFAULTS.timeZone })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ type: LifecycleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LifecycleDto)
  lifecycle?: LifecycleDto;

  @ApiPropertyOptional({ default: WORKFLOW_DEFAULTS.enabled })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    default: WORKFLOW_DEFAULTS.maxInstances,
    description: 'Unfinished instances at once; 0 = no limit (API runs beyond it answer 409)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT_COLUMN)
  maxInstances?: number;

  @ApiPropertyOptional({ enum: WorkflowOverlapPolicy, default: WORKFLOW_DEFAULTS.overlapPolicy })
  @IsOptional()
  @IsEnum(WorkflowOverlapPolicy, {
    message: `overlapPolicy must be one of ${Object.values(WorkflowOverlapPolicy).join(', ')}`,
  })
  overlapPolicy?: WorkflowOverlapPolicy;

  @OptionalInt(1, MAX_OVERLAP_BUFFER, OVERLAP_BUFFER_LIMIT_DOC)
  overlapBufferLimit?: number;

  @ApiPropertyOptional({
    default: WORKFLOW_DEFAULTS.continueOnFailure,
    description: 'A failed node lets independent branches finish (the workflow still ends FAILED)',
  })
  @IsOptional()
  @IsBoolean()
  continueOnFailure?: boolean;
}

export class WorkflowView {
  @ApiProperty() id!: number;
  @ApiProperty() appId!: number;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: WorkflowDagDto }) dag!: WorkflowDagDto;
  @ApiProperty({ enum: WORKFLOW_TIME_TYPES }) timeExpressionType!: TimeExpressionType;
  @ApiProperty({ nullable: true, type: String }) timeExpression!: string | null;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ type: LifecycleDto }) lifecycle!: { start: number | null; end: number | null };
  @ApiProperty() enabled!: boolean;
  @ApiProperty() maxInstances!: number;
  @ApiProperty({ enum: WorkflowOverlapPolicy }) overlapPolicy!: WorkflowOverlapPolicy;
  @ApiProperty() overlapBufferLimit!: number;
  @ApiProperty() continueOnFailure!: boolean;
  @ApiProperty({ description: 'Timer slots skipped by the overlap policy or maxInstances' }) skippedSlots!: number;
  @ApiProperty({ description: 'Timer slots older than the misfire threshold when fired' }) misfiredSlots!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class RunWorkflowDto {
  @ApiPropertyOptional({
    example: '{"date":"2026-11-30"}',
    description: 'A JSON object (as a string): the context the workflow starts with',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PARAMS_LENGTH)
  initParams?: string;

  @ApiPropertyOptional({ description: 'Start this many ms from now', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365 * 24 * 3600 * 1000)
  delayMs?: number;
}

export class RunWorkflowView {
  @ApiProperty() workflowInstanceId!: number;
}
