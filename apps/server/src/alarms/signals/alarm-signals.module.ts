import { Module } from '@nestjs/common';
import { AlarmSignals } from './alarm-signals';

/** The one AlarmSignals of the server, shared by the modules that raise signals and the one that evaluates them. */
@Module({ providers: [AlarmSignals], exports: [AlarmSignals] })
export class AlarmSignalsModule {}
