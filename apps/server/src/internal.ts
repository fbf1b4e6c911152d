/**
 * Internals of the server, for Jobnest's own unit and integration tests. Not an API: anything here may change in any
 * release. Importing this file boots nothing (the process entry is dist/main.js).
 */
export * from './dispatch/dispatcher.service';
export * from './instances/state/instance-events';
export * from './instances/state/instance-transitions.service';
export * from './instances/state/instance.repository';
export * from './platform/auth/admin-credentials';
export * from './platform/auth/token.service';
export * from './platform/batching/coalescing-queue';
export * from './platform/config/server-config';
export * from './platform/database/server-task-store';
export * from './platform/http/api-exception.filter';
export * from './platform/http/json-depth.pipe';
export * from './platform/observability/metrics.service';
export * from './reconcile/instance-retention';
export * from './reconcile/log-retention';
export * from './reconcile/task-retention';
export * from './reconcile/workflow-instance-retention';
export * from './reports/report-batch-plan';
export * from './reports/status-report-handler.service';
export * from './timers/jobnest-repeat-strategy';
export * from './timers/missed-slots';
export * from './workflows/definitions/dag-shape';
export * from './workflows/definitions/decision-expression';
export * from './workflows/engine/workflow-plan';
export * from './platform/audit/audited.decorator';
export * from './platform/auth/app-auth.guard';
export * from './platform/auth/required-role.decorator';
export * from './platform/http/route-policy-check';
export * from './platform/auth/app-directory.service';
export * from './platform/auth/identity.service';
export * from './platform/auth/ttl-cache';
export * from './platform/http/public-route.decorator';
export * from './alarms/formats/alarm-summary';
export * from './alarms/formats/email-content';
export * from './alarms/formats/plain-text';
export * from './alarms/formats/robot-answers';
export * from './alarms/formats/robot-bodies';
export * from './alarms/formats/robot-signing';
export * from './alarms/alarm-event';
export * from './alarms/gate/alarm-gate';
export * from './alarms/evaluation/failure-event-type';
export * from './alarms/rules/alarm-rule-book';
export * from './platform/config/alarm-settings';
export * from './platform/redis/redis-connections.service';
