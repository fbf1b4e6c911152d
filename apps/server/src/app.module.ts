import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { BoardModule } from './board/board.module';
import { ClusterModule } from './cluster/cluster.module';
import { ConfigModule } from './config/config.module';
import type { ServerConfig } from './config/server-config';
import { DatabaseModule } from './database/database.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { InstancesModule } from './instances/instances.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule, ObservabilityModule } from './observability/observability.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RedisModule } from './redis/redis.module';
import { ReportsModule } from './reports/reports.module';

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
        ClusterModule,
        DispatchModule,
        JobsModule,
        InstancesModule,
        ReportsModule,
        ReconcileModule,
        ObservabilityModule,
        BoardModule,
      ],
    };
  }
}
