import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, Max, Min } from 'class-validator';
import { HoldReason, InstanceStatus, LogLevel, TaskStatus } from '@jobnest/common';
import { PageQueryDto } from '../jobs/job.dto';
import { MAX_INT_COLUMN, MAX_SAFE_BIGINT } from '../platform/http/value-bounds';

export class InstanceQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maximum: MAX_INT_COLUMN })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT_COLUMN)
  jobId?: number;

  @ApiPropertyOptional({ enum: InstanceStatus })
  @IsOptional()
  @IsEnum(InstanceStatus, { message: `status must be one of ${Object.values(InstanceStatus).join(', ')}` })
  status?: InstanceStatus;

  @ApiPropertyOptional({ description: 'Only instances due (expectedTriggerTime) at or after this epoch ms' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SAFE_BIGINT)
  since?: number;

  @ApiPropertyOptional({ description: 'Only instances due before this epoch ms' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SAFE_BIGINT)
  until?: number;
}

/** Longest span the status chart covers, and fewest milliseconds per bar: the query stays a bounded scan. */
export const MAX_STATS_SPAN_MS = 7 * 24 * 3600_000;
export const MIN_STATS_BUCKET_MS = 60_000;

export class InstanceStatsQueryDto {
  @ApiProperty({ description: `Start of the chart, epoch ms; at most ${MAX_STATS_SPAN_MS / 3600_000} hours ago` })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SAFE_BIGINT)
  sinceMs!: number;

  @ApiProperty({ description: `Width of one bar in ms (at least ${MIN_STATS_BUCKET_MS})` })
  @Type(() => Number)
  @IsInt()
  @Min(MIN_STATS_BUCKET_MS)
  @Max(MAX_STATS_SPAN_MS)
  bucketMs!: number;
}

export class InstanceStatsBucketView {
  @ApiProperty({ description: 'Start of the bar, epoch ms' }) start!: number;
  @ApiProperty({ description: 'Instances due in the bar, by status', example: { SUCCEEDED: 12, FAILED: 1 } })
  counts!: Partial<Record<InstanceStatus, number>>;
}

export class InstanceStatsView {
  @ApiProperty({ type: [InstanceStatsBucketView], description: 'Bars with at least one instance, oldest first' })
  buckets!: InstanceStatsBucketView[];
}

export class TaskCountsView {
  @ApiProperty() total!: number;
  @ApiProperty() waiting!: number;
  @ApiProperty() running!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
}

export class WorkerTaskCountsView extends TaskCountsView {
  @ApiProperty({ nullable: true, type: String, description: 'The worker; null for tasks no worker took yet' })
  workerId!: string | null;
}

export class InstanceView {
  @ApiProperty() id!: number;
  @ApiProperty() jobId!: number;
  @ApiProperty({ nullable: true, type: String, description: "The job's name; null once the job is deleted" })
  jobName!: string | null;
  @ApiProperty({ enum: InstanceStatus }) status!: InstanceStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why it waits, or why it failed' })
  statusReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) result!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Worker of the current run (for Map, MapReduce and Broadcast: its TaskTracker)',
  })
  workerId!: string | null;
  @ApiProperty({ description: 'Dispatches so far (1 = first run)' }) runningTimes!: number;
  @ApiProperty({ nullable: true, type: String }) instanceParams!: string | null;
  @ApiProperty({ description: 'Epoch ms' }) expectedTriggerTime!: number;
  @ApiProperty({ nullable: true, type: Number }) actualTriggerTime!: number | null;
  @ApiProperty({ nullable: true, type: Number }) finishedTime!: number | null;
  @ApiProperty({ nullable: true, type: TaskCountsView, description: 'Subtask progress (Map, MapReduce, Broadcast)' })
  tasks!: TaskCountsView | null;
  @ApiProperty({ description: 'Times another worker took the instance over from a dead TaskTracker' })
  takeovers!: number;
  @ApiProperty({ nullable: true, type: String, description: 'The idempotency key the run was created with' })
  idempotencyKey!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "Concurrency key of an instance of a job under flow control ('' when it has none); null otherwise",
  })
  concurrencyKey!: string | null;
  @ApiProperty({ description: 'Among waiting instances, higher starts first' }) priority!: number;
  @ApiProperty({
    nullable: true,
    enum: HoldReason,
    description: 'What holds this waiting instance back (statusReason says how); null: nothing',
  })
  heldBy!: HoldReason | null;
}

export class TaskQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TaskStatus })
  @IsOptional()
  @IsEnum(TaskStatus, { message: `status must be one of ${Object.values(TaskStatus).join(', ')}` })
  status?: TaskStatus;
}

export class TaskView {
  @ApiProperty() taskId!: number;
  @ApiProperty() taskName!: string;
  @ApiProperty({ nullable: true, type: Number }) parentId!: number | null;
  @ApiProperty({
    enum: TaskStatus,
    description:
      'WAITING_DISPATCH until the result is stored: a Map / MapReduce subtask in flight is tracked by its TaskTracker, not in MySQL. DISPATCHED is used for broadcast tasks only.',
  })
  status!: TaskStatus;
  @ApiProperty({ nullable: true, type: String, description: 'The worker that reported the last run' }) workerId!:
    string | null;
  @ApiProperty({ description: 'Runs reported so far' }) attempt!: number;
  @ApiProperty({ description: 'Failed runs so far' }) failures!: number;
  @ApiProperty({ nullable: true, type: String, description: 'JSON of the mapped item (first 1000 characters)' })
  payload!: string | null;
  @ApiProperty({ nullable: true, type: String }) result!: string | null;
  @ApiProperty() createdTime!: number;
  @ApiProperty() updatedTime!: number;
}

export class LogQueryDto {
  @ApiPropertyOptional({ description: 'Id of the last line already read', maximum: MAX_SAFE_BIGINT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_SAFE_BIGINT)
  after?: number;

  @ApiPropertyOptional({
    description:
      'Read backwards: the last `limit` lines with an id below this one, oldest first (9007199254740991: the newest lines). Not with `after`',
    maximum: MAX_SAFE_BIGINT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SAFE_BIGINT)
  before?: number;

  @ApiPropertyOptional({ default: 500, maximum: 5000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}

export class LogLineView {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'Epoch ms' }) time!: number;
  @ApiProperty({ enum: LogLevel }) level!: LogLevel;
  @ApiProperty() workerId!: string;
  @ApiProperty() message!: string;
}

export class LogPageView {
  @ApiProperty({ type: [LogLineView] }) items!: LogLineView[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `after` to read on' }) nextAfter!: number | null;
}
