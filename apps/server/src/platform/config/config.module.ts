import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ServerConfig } from './server-config';

@Global()
@Module({})
export class ConfigModule {
  static forConfig(config: ServerConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: ServerConfig, useValue: config }], exports: [ServerConfig] };
  }
}
