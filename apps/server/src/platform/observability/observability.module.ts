import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { ClusterModule } from '../../cluster/cluster.module';
import { ClusterViewService } from '../../cluster/cluster-view.service';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}

@Module({ imports: [ClusterModule], controllers: [HealthController] })
export class ObservabilityModule implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly cluster: ClusterViewService,
  ) {}

  onModuleInit(): void {
    this.cluster.onWorkersChanged((ids) => this.metrics.liveWorkers.set(ids.length));
  }
}
