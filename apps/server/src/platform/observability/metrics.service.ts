import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of this server process, served at /metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly instancesFinished = new Counter({
    name: 'jobnest_instances_finished_total',
    help: 'Instances that reached a final status, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly dispatches = new Counter({
    name: 'jobnest_dispatches_total',
    help: 'Dispatch attempts, by outcome (sent, no_worker)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly reports = new Counter({
    name: 'jobnest_status_reports_total',
    help: 'Instance status reports consumed, by outcome (applied, dropped)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly logLines = new Counter({
    name: 'jobnest_log_lines_total',
    help: 'Online log lines stored',
    registers: [this.registry],
  });
  readonly workflowTransitions = new Counter({
    name: 'jobnest_workflow_transitions_total',
    help: 'Workflow instance transitions tried by this server, by outcome (committed, lost_race: another server moved it first)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly workflowsFinished = new Counter({
    name: 'jobnest_workflow_instances_finished_total',
    help: 'Workflow instances that ended on this server, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly liveWorkers = new Gauge({
    name: 'jobnest_live_workers',
    help: 'Workers with a recent heartbeat, as seen by this server',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'jobnest_server_' });
  }
}
