import { Module, type DynamicModule } from '@nestjs/common';
import { AlarmsModule } from './alarms/alarms.module';
import { BoardModule } from './board/board.module';
import { ClusterModule } from './cluster/cluster.module';
import { InstancesModule } from './instances/instances.module';
import { JobsModule } from './jobs/jobs.module';
import { LaunchModule } from './launch/launch.module';
import { AccessModule } from './platform/access/access.module';
import { AuditModule } from './platform/audit/audit.module';
import { AuthModule } from './platform/auth/auth.module';
import { ConfigModule } from './platform/config/config.module';
import { ConsoleStaticModule } from './platform/console/console-static.module';
import type { ServerConfig } from './platform/config/server-config';
import { DatabaseModule } from './platform/database/database.module';
import { MetricsModule, ObservabilityModule } from './platform/observability/observability.module';
import { RedisModule } from './platform/redis/redis.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { ReportsModule } from './reports/reports.module';
import { TimersModule } from './timers/timers.module';
import { WorkflowsModule } from './workflows/workflows.module';

/**
 * The server. A job's path through it: define (jobs) -> schedule and trigger (timers) -> launch -> dispatch ->
 * (execute, on a worker) -> report (reports), with reconcile repairing what messages alone cannot; instances/
 * serves the API over the result and instances/state holds the instance state every step moves. Workflows (workflows/)
 * run jobs as the nodes of a DAG: their engine moves a workflow instance as each node's instance ends. Alarms
 * (alarms/) hear of failures from these modules and deliver them on a queue of their own.
 */
@Module({})
export class AppModule {
  static forConfig(config: ServerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        AuthModule,
        AuditModule,
        AccessModule,
        ClusterModule,
        JobsModule,
        TimersModule,
        LaunchModule,
        InstancesModule,
        WorkflowsModule,
        ReportsModule,
        ReconcileModule,
        AlarmsModule,
        ObservabilityModule,
        ConsoleStaticModule.forConfig(config),
        // Without an admin password nobody may open the board: it is not served at all.
        ...(config.adminPassword !== undefined ? [BoardModule.forConfig(config)] : []),
      ],
    };
  }
}
