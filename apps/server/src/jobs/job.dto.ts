import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { DispatchStrategy, ExecuteType, TimeExpressionType } from '@jobnest/common';

export class LifecycleDto {
  @ApiPropertyOptional({ description: 'Epoch ms: nothing fires before', nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  start?: number | null;

  @ApiPropertyOptional({ description: 'Epoch ms: nothing fires after', nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  end?: number | null;
}

/** Body of POST /jobs and PUT /jobs/:id (PUT replaces the whole definition; omitted fields take their defaults). */
export class JobInputDto {
  @ApiProperty({ example: 'nightly-report' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ default: '' })
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

  @ApiPropertyOptional({ example: 'Europe/Paris', default: 'UTC' })
  @IsOptional()
  @IsString()
  timeZone?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  jobParams?: string | null;

  @ApiPropertyOptional({ default: 0, description: 'Concurrent unfinished instances; 0 = no limit' })
  @IsOptional()
  @IsInt()
  @Min(0)
  maxInstances?: number;

  @ApiPropertyOptional({ default: 5, description: 'Subtasks at once per worker (Map/MapReduce/Broadcast)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  concurrency?: number;

  @ApiPropertyOptional({ default: 0, description: 'ms; 0 = no limit' })
  @IsOptional()
  @IsInt()
  @Min(0)
  instanceTimeLimitMs?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  instanceRetries?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  taskRetries?: number;

  @ApiPropertyOptional({ enum: DispatchStrategy, default: DispatchStrategy.HEALTH_FIRST })
  @IsOptional()
  @IsEnum(DispatchStrategy, { message: `dispatchStrategy must be one of ${Object.values(DispatchStrategy).join(', ')}` })
  dispatchStrategy?: DispatchStrategy;

  @ApiPropertyOptional({ type: [String], description: 'Worker ids or tags (SPECIFY)' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  designatedWorkers?: string[];

  @ApiPropertyOptional({ default: 0, description: '0 = no limit' })
  @IsOptional()
  @IsInt()
  @Min(0)
  maxWorkerCount?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  minCpuCores?: number;

  @ApiPropertyOptional({ default: 0, description: 'Free memory a worker needs, MB' })
  @IsOptional()
  @IsInt()
  @Min(0)
  minMemoryMb?: number;

  @ApiPropertyOptional({ type: LifecycleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LifecycleDto)
  lifecycle?: LifecycleDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
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
  @ApiProperty({ description: 'Timer slots skipped: the previous instance still waited for a worker, or maxInstances' })
  skippedSlots!: number;
  @ApiProperty({ description: 'Timer slots missed while no server could fire them (older than the misfire threshold)' })
  misfiredSlots!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ default: 20, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  size?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
}

export class ValidateTimeQueryDto {
  @ApiProperty({ enum: TimeExpressionType })
  @IsEnum(TimeExpressionType, { message: `type must be one of ${Object.values(TimeExpressionType).join(', ')}` })
  type!: TimeExpressionType;

  @ApiPropertyOptional({ example: '0 */5 * * * *' })
  @IsOptional()
  @IsString()
  expression?: string;

  @ApiPropertyOptional({ default: 'UTC' })
  @IsOptional()
  @IsString()
  timeZone?: string;
}

export class ValidateTimeView {
  @ApiProperty({ description: 'Next fire times, epoch ms (empty for API and WORKFLOW)', type: [Number] })
  nextFireTimes!: number[];
  @ApiProperty({ description: 'The same as ISO 8601 strings', type: [String] })
  nextFireTimesIso!: string[];
}
