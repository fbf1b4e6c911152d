import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ALARM_QUEUE } from '@jobnest/transport';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { AlarmHttpSender } from './channels/alarm-http-sender';
import { AlarmMailer } from './channels/alarm-mailer';
import { AlarmChannelsController } from './channels/alarm-channels.controller';
import { AlarmChannelsService } from './channels/alarm-channels.service';
import { AlarmDeliveriesController } from './delivery/alarm-deliveries.controller';
import { AlarmDeliveryProcessor } from './delivery/alarm-delivery.processor';
import { AlarmOutbox } from './delivery/alarm-outbox.service';
import { AlarmSender } from './delivery/alarm-sender.service';
import { SilenceSummaries } from './delivery/silence-summaries.service';
import { AlarmEvaluator } from './evaluation/alarm-evaluator.service';
import { AlarmFacts } from './evaluation/alarm-facts';
import { AlarmGate } from './gate/alarm-gate';
import { AlarmRuleBook } from './rules/alarm-rule-book';
import { AlarmRulesController } from './rules/alarm-rules.controller';
import { AlarmRulesService } from './rules/alarm-rules.service';
import { AlarmSignalsModule } from './signals/alarm-signals.module';

/**
 * Alarms. The path of one: a notice (an instance ended, a slot missed, a workflow failed, a worker lost) ->
 * evaluation (the rule, then the gate: threshold, silence, once across servers) -> the outbox (history row, queued
 * job) -> delivery on the `jobnest-alarms` queue (registered here) to a webhook, a chat robot or email.
 */
@Module({
  imports: [BullModule.registerQueue({ name: ALARM_QUEUE }), AlarmSignalsModule, InstanceStateModule],
  controllers: [AlarmChannelsController, AlarmRulesController, AlarmDeliveriesController],
  providers: [
    AlarmChannelsService,
    AlarmRulesService,
    AlarmRuleBook,
    AlarmFacts,
    AlarmGate,
    AlarmEvaluator,
    AlarmOutbox,
    AlarmSender,
    AlarmHttpSender,
    AlarmMailer,
    SilenceSummaries,
    AlarmDeliveryProcessor,
  ],
})
export class AlarmsModule {}
