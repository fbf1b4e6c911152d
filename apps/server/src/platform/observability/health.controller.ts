import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { withTimeout } from '@jobnest/common';
import { PublicRoute } from '../http/public-route.decorator';
import { RedisConnections } from '../redis/redis-connections.service';
import { MetricsService } from './metrics.service';

const PROBE_TIMEOUT_MS = 2000;

@ApiTags('health')
@PublicRoute('for load balancers and Prometheus: no app data')
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: RedisConnections,
    private readonly metrics: MetricsService,
  ) {}

  /** 200 when MySQL and Redis answer, 503 otherwise. */
  @Get('health')
  @ApiOkResponse({ description: '{status, mysql, redis}' })
  @ApiServiceUnavailableResponse()
  async health(@Res({ passthrough: true }) res: Response): Promise<{ status: string; mysql: string; redis: string }> {
    const [mysql, redis] = await Promise.all([
      withTimeout(this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS, 'MySQL').then(
        () => 'up',
        () => 'down',
      ),
      withTimeout(this.redis.commands.ping(), PROBE_TIMEOUT_MS, 'Redis').then(
        () => 'up',
        () => 'down',
      ),
    ]);
    const ok = mysql === 'up' && redis === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'error', mysql, redis };
  }

  /** Prometheus text format. */
  @Get('metrics')
  async prometheus(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
