import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { LogConsumer } from './log-consumer.service';
import { StatusReportConsumer } from './status-report-consumer.service';
import { StatusReportHandler } from './status-report-handler.service';
import { StreamTrimmer } from './stream-trimmer';

/**
 * Report: consumes what workers send back (instance status reports, log lines) from the Redis streams into MySQL,
 * acknowledges each report to its worker, and trims what every server has read.
 */
@Module({
  imports: [DispatchModule, InstanceStateModule],
  providers: [StatusReportHandler, StatusReportConsumer, LogConsumer, StreamTrimmer],
})
export class ReportsModule {}
