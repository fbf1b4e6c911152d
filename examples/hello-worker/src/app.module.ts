import { Module } from '@nestjs/common';
import { JobnestWorkerModule } from '@jobnest/worker';
import { ExampleSettings, ExampleSettingsModule } from './example-settings';
import { GreetProcessor } from './greet.processor';

@Module({
  imports: [
    JobnestWorkerModule.forRootAsync({
      imports: [ExampleSettingsModule],
      inject: [ExampleSettings],
      useFactory: (settings: ExampleSettings) => settings.workerOptions(),
    }),
  ],
  providers: [GreetProcessor],
})
export class AppModule {}
