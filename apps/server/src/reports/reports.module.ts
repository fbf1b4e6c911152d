import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { LogConsumer } from './log-consumer.service';
import { StatusReportConsumer } from './status-report-consumer.service';
import { StatusReportHandler } from './status-report-handler.service';
import { StreamTrimmer } from './stream-trimmer';

@Module({
  imports: [DispatchModule],
  providers: [StatusReportHandler, StatusReportConsumer, LogConsumer, StreamTrimmer],
})
export class ReportsModule {}
