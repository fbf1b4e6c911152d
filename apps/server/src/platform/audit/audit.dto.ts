import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../http/page-query.dto';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only calls by this actor, e.g. user:alice or app:billing' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  actor?: string;

  @ApiPropertyOptional({ description: 'Only this action, e.g. job.update' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({
    description: 'Only this kind of target: app, user, grant, job, workflow, instance, workflow-instance',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  targetType?: string;

  @ApiPropertyOptional({ description: 'Only this target id or name' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  targetId?: string;
}

export class AuditEntryView {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'ISO time the call was answered' }) at!: string;
  @ApiProperty({ example: 'user:alice' }) actor!: string;
  @ApiProperty({ example: 'job.update' }) action!: string;
  @ApiProperty({ example: 'job' }) targetType!: string;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ nullable: true, type: String }) detail!: string | null;
}
