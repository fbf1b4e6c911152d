import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, Max, Min } from 'class-validator';
import { WorkflowInstanceStatus, WorkflowNodeStatus, WorkflowNodeType } from '@jobnest/common';
import { PageQueryDto } from '../../jobs/job.dto';
import { MAX_INT_COLUMN } from '../../platform/http/value-bounds';
import { WorkflowEdgeDto } from '../definitions/workflow.dto';

export class WorkflowInstanceQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT_COLUMN)
  workflowId?: number;

  @ApiPropertyOptional({ enum: WorkflowInstanceStatus })
  @IsOptional()
  @IsEnum(WorkflowInstanceStatus, {
    message: `status must be one of ${Object.values(WorkflowInstanceStatus).join(', ')}`,
  })
  status?: WorkflowInstanceStatus;
}

/** One node of a workflow instance: its definition's main fields and where it stands in this run. */
export class WorkflowNodeView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: WorkflowNodeType }) type!: WorkflowNodeType;
  @ApiProperty({ enum: WorkflowNodeStatus }) status!: WorkflowNodeStatus;
  @ApiProperty({ description: '1, +1 per retry of the workflow instance from this node' }) attempt!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'JOB: the job instance (its logs: /instances/:id/logs)' })
  instanceId!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'NESTED_WORKFLOW: the child workflow instance' })
  childInstanceId!: number | null;
  @ApiProperty({ nullable: true, type: Number }) jobId!: number | null;
  @ApiProperty({ nullable: true, type: Number }) workflowId!: number | null;
  @ApiProperty({ nullable: true, type: String }) result!: string | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'DECISION: the outcome' }) decision!: boolean | null;
  @ApiProperty() markedSucceeded!: boolean;
  @ApiProperty({ nullable: true, type: Number }) startTime!: number | null;
  @ApiProperty({ nullable: true, type: Number }) endTime!: number | null;
}

export class WorkflowInstanceView {
  @ApiProperty() id!: number;
  @ApiProperty() appId!: number;
  @ApiProperty() workflowId!: number;
  @ApiProperty({ enum: WorkflowInstanceStatus }) status!: WorkflowInstanceStatus;
  @ApiProperty({ nullable: true, type: String }) statusReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'JSON object: last node id -> result' })
  result!: string | null;
  @ApiProperty({ nullable: true, type: String }) initParams!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The workflow context now' })
  context!: Record<string, unknown>;
  @ApiProperty({ type: [WorkflowNodeView] }) nodes!: WorkflowNodeView[];
  @ApiProperty({ type: [WorkflowEdgeDto] }) edges!: WorkflowEdgeDto[];
  @ApiProperty({ nullable: true, type: Number }) triggerSlot!: number | null;
  @ApiProperty() expectedTriggerTime!: number;
  @ApiProperty({ nullable: true, type: Number }) actualTriggerTime!: number | null;
  @ApiProperty({ nullable: true, type: Number }) finishedTime!: number | null;
  @ApiProperty({ nullable: true, type: Number }) parentInstanceId!: number | null;
  @ApiProperty({ nullable: true, type: String }) parentNodeId!: string | null;
  @ApiProperty() createdAt!: string;
}
